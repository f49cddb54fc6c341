"""Sanctions and strategic-goods screening (issue 13; ``docs/screening.md``).

``lists`` (read lists and parties, quarantine), ``normalize`` and ``compare`` (names across
scripts), ``index`` (blocking), ``matcher`` (name-evidence-v1: features, fitted weights,
explanations), ``screen`` and ``service`` (file-level screening), ``review`` and ``models``
(review queue, remembered decisions), ``strategic`` (dual-use goods to diversion hubs,
sanctioned counterparties), ``synth``/``synth_names``/``synth_exports`` (synthetic data with
planted truth and hard negatives), ``frames`` (exchange-format tables). The demo step
is ``cli/demo/screening.py``.
"""
