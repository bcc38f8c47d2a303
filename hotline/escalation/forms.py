"""Supervisors' forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, ValidationError

from hotline.tickets.forms import single_line


class ExtensionDecisionForm(FlaskForm):
    """Approve or refuse an extension; a refusal needs a note."""

    note = StringField(_l("Note"), filters=[single_line], validators=[
        Length(max=500, message=_l("At most %(max)d characters."))])
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))

    def validate_note(self, field):
        """Say why when refusing."""
        if self.refuse.data and not field.data:
            raise ValidationError(_l("Please say why the extension is refused."))
