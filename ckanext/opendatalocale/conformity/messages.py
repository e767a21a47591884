"""Bilingual (French, English) messages of the conformity engine.

Every finding is stored as a code plus parameters; the text is rendered here,
in both languages, so the CKAN glue picks the visitor's language and the JSON
report stays readable without the glue. Messages are written for a commune's
agent: they name the column, the row (as a spreadsheet counts them: the header
is row 1) and quote the value.
"""
from __future__ import annotations

from typing import Any, Mapping

Bilingual = dict[str, str]

# Human names of the custom checks, used inside the messages.
CHECK_LABELS: dict[str, Bilingual] = {
    "siret": {"fr": "un SIRET invalide", "en": "an invalid SIRET"},
    "siren": {"fr": "un SIREN invalide", "en": "an invalid SIREN"},
    "nomenclature-acte": {
        "fr": "une matière qui ne suit pas la nomenclature ACTES",
        "en": "a subject that does not follow the ACTES nomenclature",
    },
    "code-commune-insee": {"fr": "un code commune INSEE inconnu", "en": "an unknown INSEE municipality code"},
    "code-postal": {"fr": "un code postal inconnu", "en": "an unknown postcode"},
    "commune": {"fr": "un nom de commune inconnu", "en": "an unknown municipality name"},
    "canton": {"fr": "un canton inconnu", "en": "an unknown canton"},
    "code-departement": {"fr": "un code département inconnu", "en": "an unknown département code"},
    "numero-departement": {"fr": "un numéro de département inconnu", "en": "an unknown département number"},
    "departement": {"fr": "un nom de département inconnu", "en": "an unknown département name"},
    "code-region": {"fr": "un code région inconnu", "en": "an unknown region code"},
    "region": {"fr": "un nom de région inconnu", "en": "an unknown region name"},
    "code-pays-iso2": {"fr": "un code pays ISO2 inconnu", "en": "an unknown ISO2 country code"},
    "code-pays-iso3": {"fr": "un code pays ISO3 inconnu", "en": "an unknown ISO3 country code"},
    "pays": {"fr": "un nom de pays inconnu", "en": "an unknown country name"},
    "code-fantoir": {"fr": "un code FANTOIR inconnu", "en": "an unknown FANTOIR code"},
    "id-rnb": {"fr": "un identifiant RNB invalide", "en": "an invalid RNB building identifier"},
    "coordonnees-gps-francaises": {
        "fr": "des coordonnées GPS hors de France",
        "en": "GPS coordinates outside France",
    },
}


def check_label(check: str) -> Bilingual:
    return CHECK_LABELS.get(check, {"fr": f"une valeur non conforme au format « {check} »",
                                    "en": f"a value that does not match the “{check}” format"})


# code -> (fr template, en template). Parameters: column, row, value, note...
MESSAGES: dict[str, tuple[str, str]] = {
    # File-level errors (status "error": the file could not be checked to the end)
    "too-large": ("Le fichier dépasse la taille maximale acceptée ({limit}).",
                  "The file is larger than the accepted maximum ({limit})."),
    "too-many-rows": ("Le fichier dépasse le nombre maximal de lignes vérifiables ({limit}) ; la vérification s'est arrêtée à la ligne {row}.",
                      "The file has more rows than can be checked ({limit}); checking stopped at row {row}."),
    "too-many-columns": ("Le fichier a {count} colonnes, au-delà du maximum accepté ({limit}).",
                         "The file has {count} columns, more than the accepted maximum ({limit})."),
    "timeout": ("La vérification a dépassé la durée maximale ({limit} s) ; elle s'est arrêtée à la ligne {row}.",
                "Checking took longer than the maximum ({limit} s); it stopped at row {row}."),
    "cell-too-large": ("Une cellule dépasse la taille maximale ({limit} caractères) vers la ligne {row} : le fichier est probablement mal formé.",
                       "A cell is larger than the maximum ({limit} characters) near row {row}: the file is probably malformed."),
    "empty-file": ("Le fichier est vide.", "The file is empty."),
    "binary-file": ("Le fichier ne ressemble pas à un tableau (contenu binaire) : envoyez un CSV, un XLSX ou un ODS.",
                    "The file does not look like a table (binary content): send a CSV, XLSX or ODS file."),
    "unsupported-format": ("Le format « {format} » n'est pas pris en charge : envoyez un CSV, un XLSX ou un ODS.",
                           "The “{format}” format is not supported: send a CSV, XLSX or ODS file."),
    "unreadable-spreadsheet": ("Le classeur n'a pas pu être lu : {note}",
                               "The spreadsheet could not be read: {note}"),
    "spreadsheet-too-large": ("Le classeur décompressé dépasse la taille maximale acceptée ({limit}).",
                              "The uncompressed spreadsheet is larger than the accepted maximum ({limit})."),
    "compression-ratio": ("La partie {part} du classeur est compressée {ratio} fois, au-delà du taux de compression "
                          "accepté ({limit} fois) : le fichier ressemble à une bombe de décompression.",
                          "The spreadsheet's part {part} is compressed {ratio} times, more than the accepted "
                          "compression ratio ({limit} times): the file looks like a decompression bomb."),
    "shared-strings-too-large": ("Les textes partagés du classeur (sharedStrings.xml) font {size} une fois "
                                 "décompressés, au-delà du maximum accepté ({limit}).",
                                 "The spreadsheet's shared strings (sharedStrings.xml) take {size} uncompressed, "
                                 "more than the accepted maximum ({limit})."),
    "malformed-csv": ("Le CSV est mal formé vers la ligne {row} : {note}",
                      "The CSV is malformed near row {row}: {note}"),
    "invalid-schema": ("Le schéma est invalide : {note}", "The schema is invalid: {note}"),
    "duplicate-labels": ("Plusieurs colonnes portent le même nom ({labels}) : chaque colonne doit avoir un nom unique.",
                         "Several columns have the same name ({labels}): each column needs a unique name."),
    # Raised by the CKAN glue before the engine runs
    "download-failed": ("Le fichier n'a pas pu être récupéré : {note}", "The file could not be fetched: {note}"),
    "unknown-schema": ("Le schéma déclaré est inconnu du portail : {note}",
                       "The declared schema is unknown to this portal: {note}"),
    "no-file": ("La ressource n'a ni fichier déposé ni adresse (URL) à vérifier.",
                "The resource has no uploaded file and no URL to check."),
    "internal-error": ("Erreur interne du vérificateur : {note}", "Internal error of the checker: {note}"),
    # Structure errors
    "missing-label": ("La colonne obligatoire {column} est absente du fichier.",
                      "The required column {column} is missing from the file."),
    "unmatched-header": ("Aucune colonne du fichier ne porte un nom du schéma : la première ligne doit contenir les noms des colonnes du schéma.",
                         "No column of the file has a name from the schema: the first row must hold the schema's column names."),
    "encoding-error": ("La ligne {row} contient des caractères illisibles : le fichier n'est pas correctement encodé ({encoding}).",
                       "Row {row} contains unreadable characters: the file is not correctly encoded ({encoding})."),
    # Row errors
    "blank-row": ("La ligne {row} est vide.", "Row {row} is empty."),
    "extra-cell": ("La ligne {row} a une cellule de trop (colonne {position}) : « {value} ».",
                   "Row {row} has an extra cell (column {position}): “{value}”."),
    "missing-cell": ("La ligne {row} n'a pas de cellule pour la colonne {column}.",
                     "Row {row} has no cell for column {column}."),
    "type-error": ("La colonne {column} contient {expected} à la ligne {row} : « {value} ».",
                   "Column {column} contains {expected} at row {row}: “{value}”."),
    "constraint-error": ("La colonne {column} contient une valeur non conforme à la ligne {row} : « {value} » ({constraint}).",
                         "Column {column} contains a non-conforming value at row {row}: “{value}” ({constraint})."),
    "unique-error": ("La colonne {column} contient à la ligne {row} une valeur déjà présente ligne {first_row} : « {value} ».",
                     "Column {column} contains at row {row} a value already present at row {first_row}: “{value}”."),
    "custom-check-error": ("La colonne {column} contient {label} à la ligne {row} : « {value} ».",
                           "Column {column} contains {label} at row {row}: “{value}”."),
    "year-interval-value": ("La colonne {column} contient une période invalide à la ligne {row} : « {value} » ({detail}).",
                            "Column {column} contains an invalid period at row {row}: “{value}” ({detail})."),
    "cohesive-columns-value": ("À la ligne {row}, les colonnes {columns} doivent être toutes remplies ou toutes vides.",
                               "At row {row}, columns {columns} must be all filled or all empty."),
    "cohesive-columns-absent": ("Les colonnes {columns} doivent être toutes présentes ou toutes absentes (absentes : {missing}).",
                                "Columns {columns} must be all present or all absent (missing: {missing})."),
    "compare-columns-value": ("À la ligne {row}, la colonne {column} (« {value} ») devrait être {op} à la colonne {column2} (« {value2} »).",
                              "At row {row}, column {column} (“{value}”) should be {op} column {column2} (“{value2}”)."),
    "compare-columns-incomparable": ("À la ligne {row}, la colonne {column} (« {value} ») ne peut pas être comparée à la colonne {column2} (« {value2} »).",
                                     "At row {row}, column {column} (“{value}”) cannot be compared with column {column2} (“{value2}”)."),
    "sum-columns-value": ("À la ligne {row}, la colonne {column} vaut « {value} » mais la somme de {columns} fait {total}.",
                          "At row {row}, column {column} is “{value}” but the sum of {columns} is {total}."),
    "one-of-required": ("À la ligne {row}, au moins une des colonnes {column} ou {column2} doit être remplie.",
                        "At row {row}, at least one of the columns {column} or {column2} must be filled."),
    "one-of-required-absent": ("Le fichier doit contenir au moins une des colonnes {column} ou {column2}.",
                               "The file must contain at least one of the columns {column} or {column2}."),
    "check-error": ("La règle de vérification « {check} » du schéma n'a pas pu être appliquée : {note}",
                    "The schema's “{check}” check could not be applied: {note}"),
    # Warnings
    "no-data-row": ("Le fichier ne contient aucune ligne de données : seul l'en-tête est présent.",
                    "The file has no data row: only the header is present."),
    "missing-optional-column": ("La colonne facultative {column} est absente : ajoutez-la si vous avez l'information.",
                                "The optional column {column} is missing: add it if you have the information."),
    "extra-column": ("La colonne {column} n'est pas définie dans le schéma ; elle est ignorée.",
                     "Column {column} is not defined in the schema; it is ignored."),
    "unordered-columns": ("Les colonnes ne sont pas dans l'ordre du schéma ; l'ordre attendu est : {order}.",
                          "The columns are not in the schema's order; the expected order is: {order}."),
    "deprecated-check": ("Le schéma utilise l'ancien nom de règle « {old} » (remplacé par « {new} »).",
                         "The schema uses the old check name “{old}” (replaced by “{new}”)."),
}

# Short "what to fix" hints, one per error type.
HINTS: dict[str, tuple[str, str]] = {
    "missing-label": ("Ajoutez la colonne avec exactement le nom indiqué dans le schéma (majuscules et accents compris).",
                      "Add the column with exactly the name given in the schema (case and accents included)."),
    "unmatched-header": ("Vérifiez que la première ligne contient les noms des colonnes du schéma, et que le bon schéma est choisi.",
                         "Check that the first row holds the schema's column names, and that the right schema is chosen."),
    "encoding-error": ("Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur.",
                       "Save the file as “CSV UTF-8” from your spreadsheet software."),
    "blank-row": ("Supprimez les lignes vides.", "Delete the empty rows."),
    "extra-cell": ("Une cellule déborde : vérifiez les séparateurs et les guillemets de la ligne.",
                   "A cell overflows: check the row's separators and quotes."),
    "missing-cell": ("Il manque des séparateurs dans la ligne : complétez-la avec des cellules vides si besoin.",
                     "The row lacks separators: complete it with empty cells if needed."),
    "type-error": ("Écrivez la valeur dans le format attendu (nombres sans espace ni symbole, dates AAAA-MM-JJ, booléens selon le schéma).",
                   "Write the value in the expected format (numbers without spaces or symbols, dates YYYY-MM-DD, booleans as the schema says)."),
    "constraint-error": ("Corrigez la valeur pour respecter la règle indiquée (valeur obligatoire, liste de valeurs, motif, longueur, bornes).",
                         "Fix the value to follow the stated rule (required value, list of values, pattern, length, bounds)."),
    "unique-error": ("Chaque valeur de cette colonne doit être unique : supprimez ou corrigez les doublons.",
                     "Each value of this column must be unique: remove or fix the duplicates."),
    "custom-check-error": ("Vérifiez l'identifiant ou le code (un SIRET a 14 chiffres sans espace, un SIREN 9) ; une colonne saisie comme nombre dans un tableur perd ses zéros ou s'écrit « 2.1e13 » : formatez-la en texte.",
                           "Check the identifier or code (a SIRET has 14 digits without spaces, a SIREN 9); a column typed as a number in a spreadsheet loses its zeros or becomes “2.1e13”: format it as text."),
    "year-interval-value": ("Écrivez la période sous la forme AAAA/AAAA avec deux années différentes, la plus ancienne d'abord.",
                            "Write the period as YYYY/YYYY with two different years, the earlier first."),
    "cohesive-columns-value": ("Remplissez toutes ces colonnes ensemble, ou laissez-les toutes vides.",
                               "Fill all these columns together, or leave them all empty."),
    "compare-columns-value": ("Vérifiez les deux valeurs : l'une doit être comparée à l'autre comme le schéma l'indique.",
                              "Check both values: one must compare to the other as the schema says."),
    "sum-columns-value": ("Le total doit être égal à la somme des colonnes détaillées.",
                          "The total must equal the sum of the detail columns."),
    "one-of-required": ("Remplissez au moins une des deux colonnes (par exemple le SIRET ou le numéro RNA du bénéficiaire).",
                        "Fill at least one of the two columns (for example the beneficiary's SIRET or RNA number)."),
    "nomenclature-actes-value": ("Écrivez la matière sous la forme « Domaine/Sous-domaine » avec un domaine de la nomenclature ACTES, sans espace autour du « / ».",
                                 "Write the subject as “Domain/Sub-domain” with an ACTES nomenclature domain, without spaces around the “/”."),
    "check-error": ("Le schéma déclare une règle inconnue ou mal paramétrée : signalez-le au gestionnaire du portail.",
                    "The schema declares an unknown or badly configured check: report it to the portal's administrator."),
    "error": ("Corrigez le problème indiqué puis relancez la vérification.",
              "Fix the stated problem and run the check again."),
}

TYPE_EXPECTED: dict[str, Bilingual] = {
    "integer": {"fr": "une valeur qui n'est pas un nombre entier", "en": "a value that is not a whole number"},
    "number": {"fr": "une valeur qui n'est pas un nombre (utilisez le point décimal, sans espace)",
               "en": "a value that is not a number (use a decimal point, no spaces)"},
    "boolean": {"fr": "une valeur qui n'est pas un booléen attendu ({values})",
                "en": "a value that is not an expected boolean ({values})"},
    "date": {"fr": "une date invalide (format attendu {format})", "en": "an invalid date (expected format {format})"},
    "datetime": {"fr": "une date-heure invalide (format attendu AAAA-MM-JJTHH:MM:SS)",
                 "en": "an invalid date-time (expected format YYYY-MM-DDTHH:MM:SS)"},
    "time": {"fr": "une heure invalide (format attendu HH:MM:SS)", "en": "an invalid time (expected format HH:MM:SS)"},
    "year": {"fr": "une année invalide (4 chiffres attendus)", "en": "an invalid year (4 digits expected)"},
    "geopoint": {"fr": "des coordonnées invalides", "en": "invalid coordinates"},
    "array": {"fr": "une liste invalide (liste JSON attendue, par exemple [\"a\",\"b\"])",
              "en": "an invalid list (a JSON list is expected, for example [\"a\",\"b\"])"},
    "string": {"fr": "une valeur au format invalide ({format})", "en": "a value with an invalid format ({format})"},
}

CONSTRAINT_TEXT: dict[str, tuple[str, str]] = {
    "required": ("valeur obligatoire", "required value"),
    "enum": ("valeurs autorisées : {limit}", "allowed values: {limit}"),
    "pattern": ("motif attendu : {limit}", "expected pattern: {limit}"),
    "minLength": ("au moins {limit} caractères", "at least {limit} characters"),
    "maxLength": ("au plus {limit} caractères", "at most {limit} characters"),
    "minimum": ("au moins {limit}", "at least {limit}"),
    "maximum": ("au plus {limit}", "at most {limit}"),
    "exclusiveMinimum": ("strictement plus que {limit}", "strictly more than {limit}"),
    "exclusiveMaximum": ("strictement moins que {limit}", "strictly less than {limit}"),
}

OP_TEXT: dict[str, tuple[str, str]] = {
    ">": ("supérieure", "greater than"),
    ">=": ("supérieure ou égale", "greater than or equal to"),
    "==": ("égale", "equal to"),
    "<=": ("inférieure ou égale", "less than or equal to"),
    "<": ("inférieure", "less than"),
}

YEAR_INTERVAL_DETAIL: dict[str, tuple[str, str]] = {
    "format": ("format attendu AAAA/AAAA", "expected format YYYY/YYYY"),
    "format-or-year": ("format attendu AAAA ou AAAA/AAAA", "expected format YYYY or YYYY/YYYY"),
    "same-years": ("les deux années doivent être différentes", "the two years must differ"),
    "reversed": ("la deuxième année doit être postérieure à la première", "the second year must come after the first"),
}

MAX_QUOTED_VALUE = 80


def quote_value(value: Any) -> str:
    """Short printable form of a cell for a message."""
    text = "" if value is None else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\x00", "\\0")
    if len(text) > MAX_QUOTED_VALUE:
        text = text[: MAX_QUOTED_VALUE - 1] + "…"
    return text


# Parameters that are sizes in bytes, written "1,5 Mio" / "1.5 MiB" by render().
SIZE_PARAMS = {"too-large": ("limit",), "spreadsheet-too-large": ("limit",),
               "shared-strings-too-large": ("size", "limit")}


def _localise(params: Mapping[str, Any], lang: str, sizes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Parameters may themselves be bilingual; pick the language."""
    out = {}
    for key, value in params.items():
        if key in sizes and isinstance(value, int):
            value = size_text(value)
        if isinstance(value, dict) and "fr" in value and "en" in value:
            value = value[lang]
        out[key] = value
    return out


def render(code: str, params: Mapping[str, Any] | None = None) -> Bilingual:
    """Render a message code in French and English."""
    params = dict(params or {})
    templates = MESSAGES.get(code)
    if templates is None:
        note = str(params.get("note", code))
        return {"fr": note, "en": note}
    fr, en = templates
    sizes = SIZE_PARAMS.get(code, ())
    return {
        "fr": fr.format_map(_SafeDict(_localise(params, "fr", sizes))),
        "en": en.format_map(_SafeDict(_localise(params, "en", sizes))),
    }


def hint(error_type: str, check: str | None = None) -> Bilingual:
    key = error_type
    if check == "nomenclature-acte":
        key = "nomenclature-actes-value"
    fr, en = HINTS.get(key, HINTS["error"])
    return {"fr": fr, "en": en}


def size_text(value: int) -> dict[str, str]:
    """A size for a message: "1,5 Mio" in French, "1.5 MiB" in English."""
    for unit, fr, en in ((1 << 30, "Gio", "GiB"), (1 << 20, "Mio", "MiB"), (1 << 10, "Kio", "KiB")):
        if value >= unit:
            number = f"{value / unit:.1f}".removesuffix(".0")
            return {"fr": f"{number.replace('.', ',')} {fr}", "en": f"{number} {en}"}
    return {"fr": f"{value} octets", "en": f"{value} bytes"}


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
