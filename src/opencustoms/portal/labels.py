"""Display words for codes the portal shows (tax lines, statuses, topics, kinds), marked
for translation. Code values stay English identifiers in data and APIs; pages show
``_(label(code))`` in the reader's language.

>>> label("customs_duty"), label("no such code")
('Customs duty', 'no such code')
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


LABELS: dict[str, str] = {
    # Tax lines of the tariff calculator (TaxLine.tax).
    "customs_duty": N_("Customs duty"),
    "anti_dumping": N_("Anti-dumping duty"),
    "countervailing": N_("Countervailing duty"),
    "safeguard": N_("Safeguard duty"),
    "individual_consumption_tax": N_("Individual consumption tax"),
    "education_tax": N_("Education tax"),
    "rural_special_tax": N_("Rural development special tax"),
    "liquor_tax": N_("Liquor tax"),
    "liquor_education_tax": N_("Education tax on liquor"),
    "vat": N_("Value added tax"),
    # Rate tiers of the tariff calculator (TaxLine.tier; "FTA <name>" shows as it is).
    "basic": N_("basic rate"),
    "basic (chapter default)": N_("basic rate (chapter default)"),
    "WTO concession": N_("WTO concession rate"),
    "trade remedy": N_("trade remedy"),
    "individual consumption tax (luxury goods)": N_("individual consumption tax (luxury goods)"),
    "education tax on individual consumption tax": N_(
        "education tax on individual consumption tax"
    ),
    "rural special tax": N_("rural development special tax"),
    "liquor tax (beer)": N_("liquor tax (beer)"),
    "liquor tax (wine)": N_("liquor tax (wine)"),
    "liquor tax (spirits)": N_("liquor tax (spirits)"),
    "education tax on liquor tax": N_("education tax on liquor tax"),
    "VAT": N_("VAT"),
    "de minimis": N_("de minimis (duty-free threshold)"),
    # Parcel and declaration status words (data/portal/status.yaml, workspace queries).
    "received": N_("received"),
    "released": N_("released"),
    "duty payable": N_("duty payable"),
    "held by customs": N_("held by customs"),
    "document check": N_("document check"),
    "physical inspection": N_("physical inspection"),
    "inspection completed": N_("inspection completed"),
    # Feedback kinds and states.
    "question": N_("Question"),
    "complaint": N_("Complaint"),
    "suggestion": N_("Suggestion"),
    "open": N_("open"),
    "answered": N_("answered"),
    "closed": N_("closed"),
    # Advance rulings.
    "advance_ruling": N_("Advance ruling"),
    # Topics of data/portal/routing.yaml (a test checks every topic has a label here).
    "parcel_clearance": N_("Parcels and online shopping"),
    "pccc_misuse": N_("Misuse of a personal customs clearance code (PCCC)"),
    "duty_estimate": N_("Duty and tax estimates"),
    "classification": N_("Tariff classification (HS codes)"),
    "declaration_status": N_("Status of a declaration"),
    "refund": N_("Refunds and drawback"),
    "traveller": N_("Travellers and duty-free allowances"),
    "export_us_tariff": N_("Exports and US tariffs"),
    "website": N_("This website"),
    "other": N_("Anything else"),
    # Identity link states.
    "pending": N_("waiting for a check"),
    "verified": N_("verified"),
    "rejected": N_("rejected"),
    # Form fields named by InvalidInput errors.
    "hs": N_("HS code"),
    "origin": N_("Country of origin"),
    "value": N_("Value"),
    "currency": N_("Currency"),
    "date": N_("Date"),
    "description": N_("Description"),
    "email": N_("E-mail"),
    "contact_email": N_("E-mail for the answer"),
    "password": N_("Password"),
    "display_name": N_("Name"),
    "language": N_("Language"),
    "kind": N_("Kind"),
    "topic": N_("Topic"),
    "text": N_("Message"),
    "subject_type": N_("About"),
    "applicant": N_("Applicant"),
    "proposed_hs": N_("Proposed code"),
    "parcel_ids": N_("Parcels"),
    "note": N_("Note"),
    "file": N_("File"),
    "what_if_rate": N_("What-if rate"),
    "what_if_scope": N_("What-if HS prefixes"),
    "token": N_("Confirmation link"),
    "satisfaction": N_("Satisfaction"),
    # Workspace roles.
    "officer": N_("officer"),
    "supervisor": N_("supervisor"),
    "analyst": N_("analyst"),
    "admin": N_("admin"),
    # Workspace states (cases.models, parcels.screen, the alert SLA). The English pages
    # show the code itself, so a code with "_" is its own English word here.
    "new": N_("new"),
    "triage": N_("triage"),
    "case": N_("case"),
    "dismissed": N_("dismissed"),
    "investigating": N_("investigating"),
    "referred": N_("referred"),
    "confirmed": N_("confirmed"),
    "false_positive": N_("false_positive"),
    "inconclusive": N_("inconclusive"),
    "prosecution": N_("prosecution"),
    "tax_audit": N_("tax_audit"),
    "breached": N_("breached"),
    "inspect": N_("inspect"),
    "hold": N_("hold"),
    "pay_duty": N_("pay_duty"),
    "release": N_("release"),
    "cleared": N_("cleared"),
    # Messages shown instead of a domain error's English text.
    "Wrong username or password.": N_("Wrong username or password."),
    "login_failed": N_("E-mail or password wrong, or the address is not confirmed yet."),
}


# The act each tax line rests on (its article is in the line's reference). Official
# English titles of the Korean acts, translated to their Korean titles in the catalogue.
ACTS: dict[str, str] = {
    "customs_duty": N_("Customs Act"),
    "anti_dumping": N_("Customs Act"),
    "countervailing": N_("Customs Act"),
    "safeguard": N_("Customs Act"),
    "individual_consumption_tax": N_("Individual Consumption Tax Act"),
    "education_tax": N_("Education Tax Act"),
    "rural_special_tax": N_("Act on Special Rural Development Tax"),
    "liquor_tax": N_("Liquor Tax Act"),
    "liquor_education_tax": N_("Education Tax Act"),
    "vat": N_("Value-Added Tax Act"),
}


def act(tax: str, tier: str = "") -> str:
    """The English title of the act a tax line rests on ("" when unknown). A de minimis
    exemption rests on the Customs Act (art. 94) whatever the tax.

    >>> act("vat"), act("vat", "de minimis"), act("unknown")
    ('Value-Added Tax Act', 'Customs Act', '')
    """
    if tier == "de minimis":
        return ACTS["customs_duty"]
    return ACTS.get(tax, "")


def label(code: str | None) -> str:
    """The English display word of ``code`` (the code itself when it has none)."""
    if code is None:
        return ""
    return LABELS.get(code, code)
