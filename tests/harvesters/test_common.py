"""Pure helpers shared by the harvesters: sanitising, licences, SIREN, config."""
from __future__ import annotations

import pytest

from ckanext.opendatalocale.harvesters import common


@pytest.mark.parametrize("html, expected", [
    ("<p>Un</p><p>Deux</p>", "Un\nDeux"),
    ('<script>alert("x")</script>Texte', "Texte"),
    ('<img src=x onerror="alert(1)">Image', "Image"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script>alert(1)&lt;/script>"),
    ('<a href="javascript:alert(1)">clic</a>', "clic"),
    ('<a href="https://ex.org/a">lien</a>', "[lien](https://ex.org/a)"),
    ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
    ("R&amp;D 5 &lt; 6", "R&D 5 < 6"),
    ("<style>p{}</style>Texte\x07", "Texte"),
])
def test_sanitize_text_leaves_no_html(html, expected):
    assert common.sanitize_text(html) == expected


def test_sanitize_title_is_plain_text():
    assert common.sanitize_title("  <b>Budget</b>\n 2024 <script>x</script>") == "Budget 2024"
    assert common.sanitize_title("&lt;script&gt;") == "script>"


@pytest.mark.parametrize("value, expected", [
    ("Licence Ouverte v2.0 (Etalab)", "lo-2.0"),
    ("https://www.etalab.gouv.fr/licence-ouverte-open-licence", "lo-1.0"),
    ("lov2", "lo-2.0"),
    ("fr-lo", "lo-1.0"),
    ("Open Database License (ODbL)", "odc-odbl"),
    ("CC-BY-SA 4.0", "cc-by-sa-4.0"),
    ("Creative Commons Attribution 4.0", "cc-by-4.0"),
    ("cc0", "cc-zero"),
    ("Tous droits réservés", None),
])
def test_licence_mapping(value, expected):
    assert common.map_license(value) == expected


def test_sirens_from_siret_floats_and_lists():
    # Poitiers' SIRET lost its key when serialised as a float: not a valid SIRET.
    assert common.sirens_from(["21860194600000.0", "215602608", "not a siren", "215602608; 210600045"]) == [
        "215602608", "210600045"]
    assert common.sirens_from(["21560260800014.0", "123"]) == ["215602608"]


def test_content_hash_ignores_key_order():
    assert common.content_hash({"a": 1, "b": [1, 2]}) == common.content_hash({"b": [1, 2], "a": 1})
    assert common.content_hash({"a": 1}) != common.content_hash({"a": 2})


@pytest.mark.parametrize("value, policy, days", [
    (None, "private", 0), ("keep", "keep", 0), ("delete-after-days 7", "delete", 7),
    ({"delete_after_days": 0}, "delete", 0),
])
def test_withdrawal_policies(value, policy, days):
    config = common.parse_config({"withdrawal": value} if value is not None else {})
    assert (config.withdrawal.policy, config.withdrawal.days) == (policy, days)


def test_dedupe_keeps_first_occurrence():
    records = [common.RemoteRecord("a", {"n": 1}), common.RemoteRecord("b", {}), common.RemoteRecord("a", {"n": 2})]
    assert [(r.guid, r.data) for r in common.dedupe(records)] == [("a", {"n": 1}), ("b", {})]
