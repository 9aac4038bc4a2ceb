"""Small helpers shared by the forms of every area."""

from wtforms import SelectChoice


def choices(pairs):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_error(form, error):
    """Show a service's refusal next to the field it names (``error.field``), or at the
    top of the form when it names none."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        form.form_errors.append(str(error))
