"""Training code (torch lives only here): ``synthguard train <what>`` runs ``synthguard.train.<what>.main``."""
