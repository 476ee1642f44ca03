class ExtractionError(Exception):
    """No article could be extracted; `reason` is a short machine-friendly code. `found` holds
    what the page did give (title, publication date, host...) so that a report of the failure
    loses nothing."""

    def __init__(self, reason: str, found: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.found = found or {}
