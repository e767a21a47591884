"""What the collectivités of a territory publish: datasets, resources, conformity state and
harvest health, read once in SQL for the dashboard, the link checker and the consolidation.

A floor above ``conformity`` (whose state it reports) and below the features that read it.
"""
