"""Public services of the customs administration: duty estimates, feedback to the offices,
advance-ruling requests, public accounts, abuse controls and a person's own parcels and
declarations. Face-free: the web face (``web/routes/portal.py``) and the command line call
the service functions here."""
