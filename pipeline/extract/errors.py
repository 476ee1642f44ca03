class ExtractionError(Exception):
    """No article could be extracted; `reason` is a short machine-friendly code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
