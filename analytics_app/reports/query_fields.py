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


MAX_IDS = 100


class IdList(fields.Field):
    """One id or a comma-separated list of them (SPEC Part 4): `service_id=1,3`.

    Loads to a list of positive integers; an empty item, a duplicate, more than MAX_IDS
    items or anything but ASCII digits is an error under the parameter's name.
    """

    default_error_messages = {
        "invalid": "Not a valid integer.",
        "empty": "Must not have an empty item.",
        "duplicate": "Must not repeat an id ({id}).",
        "too_many": f"Must have at most {MAX_IDS} ids.",
        "range": "Must be a positive integer.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        items = value.split(",")
        if len(items) > MAX_IDS:
            raise self.make_error("too_many")
        ids = []
        for item in items:
            if item == "":
                raise self.make_error("empty")
            if not ASCII_INTEGER.fullmatch(item):
                raise self.make_error("invalid")
            number = int(item)
            if not 1 <= number <= 2**63 - 1:
                raise self.make_error("range")
            if number in ids:
                raise self.make_error("duplicate", id=number)
            ids.append(number)
        return ids
