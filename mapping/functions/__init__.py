"""The function library of the mapping: safe, documented transforms over JSON-like values.

Every function is a plain Python callable registered with a name, a signature line, a help
text and examples (arguments → result) that the mapping editor shows and the tests check.
Nothing here evaluates user text: a mapping names a function and gives it arguments.

Conventions, so that mappings stay short and records with gaps never crash a run:
- A value that is missing (None) passes through text and number functions as None; the
  rule's default or the target's required check decides what that means.
- Bad input (a number that is not a number, an unknown country, a house number that cannot
  be found) raises FunctionError with a message in the user's terms; the engine turns it
  into a FieldError naming the target field and the function.
- Money is Decimal, rounded half up; numbers arrive as Decimal, int, float or text
  (canonical records give Decimal fields as text in their JSON form).

One module per topic (text, addresses, names, numbers, dates, countries, ean), each
registering its functions with `registry.register`; this package imports them all, so every
name is importable from `mapping.functions` as before.
"""

from __future__ import annotations

from mapping.functions.addresses import (
    AddressParts,
    format_address_line,
    join_address,
    parse_address_line,
    split_address,
)
from mapping.functions.coercion import (
    CENT,
    MAX_DIGITS,
    as_bool,
    as_decimal,
    as_int,
    as_list,
    as_text,
    is_empty,
    round_half_up,
)
from mapping.functions.countries import country_code, country_name
from mapping.functions.dates import (
    as_date,
    as_datetime,
    format_date,
    format_datetime,
    parse_datetime,
    to_time_zone,
)
from mapping.functions.ean import ean, gtin_check_digit, gtin_problem, is_valid_ean
from mapping.functions.names import NAME_PREFIXES, join_name, parse_full_name, split_name
from mapping.functions.numbers import (
    add,
    clamp,
    count,
    discount_percentage,
    first,
    format_number,
    integer,
    line_price_excl_vat,
    multiply,
    name_value_list,
    number,
    price_excl_vat,
    price_incl_vat,
    round_number,
    subtract,
    sum_list,
)

# The topics register their functions when imported; the catalogue lists them by category.
from mapping.functions.registry import (
    FUNCTIONS,
    Example,
    Function,
    FunctionError,
    catalogue,
    register,
)
from mapping.functions.text import (
    REGEX_MAX_MEMORY,
    REGEX_MAX_PATTERN,
    REGEX_MAX_TEXT,
    coalesce,
    concat,
    default_if_empty,
    if_true,
    join,
    linear_regex,
    lookup,
    lower,
    regex_replace,
    replace,
    title,
    trim,
    truncate,
    upper,
)

# The one rule feature that is not a function, shown beside the functions in the editor.
LIST_ITEMS_HELP = (
    "Map over list items: give a rule `items` (a sub-mapping) and a source list; every item "
    "is mapped by the sub-mapping, whose source paths are relative to the item ($root. reads "
    "the whole record). Used for order lines."
)

__all__ = [
    "AddressParts",
    "CENT",
    "Example",
    "FUNCTIONS",
    "Function",
    "FunctionError",
    "LIST_ITEMS_HELP",
    "MAX_DIGITS",
    "NAME_PREFIXES",
    "REGEX_MAX_MEMORY",
    "REGEX_MAX_PATTERN",
    "REGEX_MAX_TEXT",
    "add",
    "as_bool",
    "as_date",
    "as_datetime",
    "as_decimal",
    "as_int",
    "as_list",
    "as_text",
    "catalogue",
    "clamp",
    "coalesce",
    "concat",
    "count",
    "country_code",
    "country_name",
    "default_if_empty",
    "discount_percentage",
    "ean",
    "first",
    "format_address_line",
    "format_date",
    "format_datetime",
    "format_number",
    "gtin_check_digit",
    "gtin_problem",
    "if_true",
    "integer",
    "is_empty",
    "is_valid_ean",
    "join",
    "join_address",
    "join_name",
    "linear_regex",
    "lookup",
    "lower",
    "multiply",
    "name_value_list",
    "number",
    "parse_address_line",
    "parse_datetime",
    "parse_full_name",
    "line_price_excl_vat",
    "price_excl_vat",
    "price_incl_vat",
    "regex_replace",
    "register",
    "replace",
    "round_half_up",
    "round_number",
    "split_address",
    "split_name",
    "subtract",
    "sum_list",
    "title",
    "to_time_zone",
    "trim",
    "truncate",
    "upper",
]
