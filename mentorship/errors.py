"""The one kind of error a service raises when it refuses a change."""


class DomainError(Exception):
    """A refused change: a message for the person who tried it, the form field it is
    about (if any), and the HTTP status the page answers with.

    A refusal about a field answers 422 (the form is shown again with the message next
    to that field); any other refusal answers 409 (the state changed under the person).
    """

    status = 409

    def __init__(self, message, field=None, status=None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        elif field is not None:
            self.status = 422

    def __str__(self):
        return str(self.message)
