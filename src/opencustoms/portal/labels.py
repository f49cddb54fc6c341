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
    # Messages shown instead of a domain error's English text.
    "Wrong username or password.": N_("Wrong username or password."),
    "login_failed": N_("E-mail or password wrong, or the address is not confirmed yet."),
}


def label(code: str | None) -> str:
    """The English display word of ``code`` (the code itself when it has none)."""
    if code is None:
        return ""
    return LABELS.get(code, code)
