"""Query-string integers: plain ASCII digits only."""

import re

from marshmallow import fields

ASCII_INTEGER = re.compile(r"-?[0-9]{1,30}")


class StrictInteger(fields.Integer):
    """Plain ASCII digits only: no spaces, signs other than '-', or other scripts' digits
    (Python's int() would take ' 30', '+30' or '٣٠')."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)
