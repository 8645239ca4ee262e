package lib.util

has_field(obj, field) if obj[field]
