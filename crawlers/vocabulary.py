"""Every enumerated value the database accepts, defined once.

The schema turns each set into a CHECK constraint; validation and the curated
checks read the same sets, so a value is refused in one place for one reason.
"""

# `model`: a model or uniform act a drafting body recommends (Uniform Law Commission,
# advocacy groups). It is law nowhere: it has no status and never reaches the comparison.
INSTRUMENT_KINDS = ("statute", "code_provisions", "amendment", "regulation", "directive", "treaty", "bill", "model")
MODEL_KIND = "model"
INSTRUMENT_STATUSES = ("in_force", "enacted_not_in_force", "pending", "failed", "repealed")
JURISDICTION_KINDS = ("country", "state", "province", "territory", "nation", "legal_jurisdiction", "supranational")
CODE_SYSTEMS = ("ISO 3166-1", "ISO 3166-2", "project")
REGIONS = ("Europe", "North America", "Latin America", "Asia", "Oceania", "Africa", "Middle East", "International")
SOURCE_KINDS = ("legislation", "case_law", "bills", "curation")
IN_FORCE_STATUSES = ("in_force", "prospective", "repealed")
REVIEW_STATUSES = ("to_review", "accepted", "rejected")
ANSWER_TYPES = ("yes_no", "enum", "number", "text")
ROLLUPS = ("any_yes", "max", "list")
CODING_STATUSES = ("verified", "suggested")
# Whom a coded answer speaks for: the victims the coded provision protects. A child
# sexual abuse material law answers for `minors`, a law on anyone's images for `both`.
ANSWER_SCOPES = ("adults", "minors", "both")
# The comparison's rows: each victim group, answered by every answer whose scope covers
# it (its own scope or `both`), so a child-only law never answers for adults.
VICTIM_GROUPS = ("adults", "minors")
# How a coded fine is counted: an amount of money, a number of day-fine units (the
# amount per day set by the court), or a number of statutory penalty units.
FINE_BASES = ("fixed", "daily_units", "penalty_units")
# Where a victim can turn (data/help_routes/): a body with legal power over content
# (regulator, data_protection_authority, tribunal, police), a helpline, or a
# hash-matching service that keeps known images off partner platforms.
HELP_ROUTE_KINDS = ("regulator", "data_protection_authority", "tribunal", "police", "helpline", "hash_matching")
# The code of help routes open to people anywhere (StopNCII, Take It Down): not a
# jurisdiction whose law we track, so it has no row in data/jurisdictions/.
INTERNATIONAL = "INT"
# What a search of a jurisdiction's law found (data/coverage/), so that "no law tracked"
# never has to mean "never looked", each with its meaning (the docs and pages say it).
COVERAGE_FINDING_MEANINGS = {
    "no_law_found": "nothing enacted, no bill",
    "bill_only": "bills, none seen enacted",
    "general_law_only": "no specific law; only general offences such as harassment or privacy could reach such images",
}
COVERAGE_FINDINGS = tuple(COVERAGE_FINDING_MEANINGS)
RUN_OUTCOMES = ("ok", "partial", "failed", "interrupted")
# What went wrong: the spiders' page failures (http, download, refused, ignored, gone),
# then the pipeline's own (dropped: refused by validation or the database; parse: a
# parser raised; store: a pipeline raised; empty: no items at all; run: ended early).
# A kind outside this list is stored as `other`, its name kept in the reason.
ERROR_KINDS = ("http", "download", "refused", "ignored", "gone", "dropped", "parse", "store", "empty", "run", "other")
IDENTIFIER_SCHEMES = ("ECLI", "ELI", "CELEX", "LEGIARTI", "LEGITEXT", "BWBR", "USLM", "NEUTRAL", "NUMAC",
                      "DOCKET", "BOE", "GII_DOKNR", "URN_NIR", "PUBLIC_LAW", "LIMS", "HUDOC_ITEMID", "URI", "OTHER")
IDENTIFIED_TYPES = ("instrument", "provision", "case", "bill")
# `became_law`: the bill is law (a public law number, a chaptered act), signed or not:
# a signature is one way there, a veto override or the lapse of time others.
BILL_ACTIONS = ("introduced", "passed_one_chamber", "passed_both", "signed", "vetoed", "failed", "became_law",
                "effective")
# A sponsor's place on a bill: who introduced it (`primary`), or who joined it.
SPONSOR_ROLES = ("primary", "cosponsor")
INSTRUMENT_RELATIONS = ("amends", "repeals", "transposes")


def sql_in(column: str, values, nullable: bool = True) -> str:
    """A CHECK expression: `column` is one of `values` (or NULL when allowed)."""
    listed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    check = f"{column} IN ({listed})"
    return f"CHECK ({column} IS NULL OR {check})" if nullable else f"CHECK ({check})"
#: What a treaty-monitoring document is (the `monitoring_documents` table, issue 7): a
#: monitoring body's evaluation of one state (baseline or thematic), the state's own report,
#: its comments on the body's report, its responses to the Committee of the Parties, or a
#: general text that concerns no one state (a general report, a general recommendation).
MONITORING_DOCUMENT_KINDS = ("baseline_evaluation_report", "thematic_evaluation_report", "state_report",
                             "state_comments", "government_response", "general_report",
                             "general_recommendation", "other")
