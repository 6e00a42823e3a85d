"""Cent-exact amounts: the arithmetic that makes a booked order total what the shop charged.

Two sides compute a total, each its own way:

- the shop adds its lines as charged (unit price × quantity − discount amount, incl.
  or excl. VAT as the shop's prices are) and its shipping cost, and rounds the total excl. VAT
  and the total VAT half up to cents (`shop_total`);
- the accounting system rounds each line: amount = quantity × unit price excl. VAT
  × (100 − discount %) / 100 to cents, VAT = amount × the VAT code's percentage to cents, the
  total is the sum of both (`accounting_line`, `accounting_total`). The contract is silent on
  this arithmetic; the sandbox computes it this way and says so beside its code.

A line's unit price is sent with four decimals (the precision the sandbox keeps; the contract
gives `number` without a limit), discounts are folded into the price as amounts, and for shop
prices that include VAT the amount excl. VAT is chosen so that amount + VAT equals the line as
charged (`line_amount`). Where one line cannot hit its total exactly (at 21 % some totals incl.
VAT have no amount excl. VAT whose rounded VAT adds up to them), `settle` moves a cent between
lines with prices incl. VAT; what remains is the residual, for a rounding line or a failure.

Pure functions on Decimals: no HTTP, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    """Round half up to cents (what both sides and every Dutch bookkeeper do)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def accounting_line(amount: Decimal, rate: Decimal) -> Decimal:
    """The total incl. VAT the accounting system books for a line of `amount` excl. VAT."""
    return amount + cents(amount * rate / 100)


def accounting_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    """A line's amount excl. VAT as the accounting system computes it from what it is sent."""
    return cents(quantity * unit_price * (100 - discount) / 100)


def accounting_total(lines: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Sum of (amount excl. VAT, VAT rate) lines, each rounded as the accounting system does."""
    return sum((accounting_line(amount, rate) for amount, rate in lines), ZERO)


@dataclass(frozen=True)
class Charged:
    """One line as the shop charged it: what it adds to the order's total."""

    gross: Decimal  # unit price × quantity − discount amount, in the shop's price basis
    quantity: Decimal
    rate: Decimal
    includes_vat: bool

    @classmethod
    def of(
        cls,
        *,
        unit_price: Decimal,
        quantity: Decimal,
        rate: Decimal,
        includes_vat: bool,
        discount: Decimal = ZERO,
    ) -> Charged:
        return cls(unit_price * quantity - discount, quantity, rate, includes_vat)

    @property
    def excl_vat(self) -> Decimal:
        """Unrounded amount excl. VAT."""
        return self.gross / (1 + self.rate / 100) if self.includes_vat else self.gross

    @property
    def vat(self) -> Decimal:
        """Unrounded VAT."""
        return self.gross - self.excl_vat if self.includes_vat else self.gross * self.rate / 100


def shop_total(lines: Iterable[Charged]) -> Decimal:
    """The order's total incl. VAT as the shop computes it: totals excl. VAT and VAT rounded
    apart, then added (as the shop's sandbox computes `order_totals`)."""
    charged = list(lines)
    excl = sum((line.excl_vat for line in charged), ZERO)
    vat = sum((line.vat for line in charged), ZERO)
    return cents(excl) + cents(vat)


def line_amount(line: Charged) -> Decimal:
    """The amount excl. VAT to book for a line: for prices incl. VAT the one (nearest the
    exact figure) whose booked total incl. VAT is the line as charged, if there is one."""
    if not line.includes_vat:
        return cents(line.gross)
    exact = line.excl_vat
    target = cents(line.gross)
    nearest = cents(exact)
    candidates = [nearest + step * CENT for step in (0, -1, 1, -2, 2)]
    hits = [a for a in candidates if accounting_line(a, line.rate) == target]
    return min(hits, key=lambda a: abs(a - exact)) if hits else nearest


def unit_price_for(amount: Decimal, quantity: Decimal) -> Decimal:
    """A unit price (four decimals) whose quantity × price rounds to exactly `amount`."""
    if quantity <= 0:
        return amount
    price = (amount / quantity).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)
    for step in (0, -1, 1, -2, 2, -3, 3):
        candidate = price + step * PRICE_PLACES
        if accounting_amount(quantity, candidate) == amount:
            return candidate
    return price  # a quantity of many thousands: the residual shows what is left


@dataclass
class Settlement:
    amounts: list[Decimal]  # per line, excl. VAT
    residual: Decimal  # shop total − accounting total, after moving cents between lines

    def unit_price(self, index: int, quantity: Decimal) -> Decimal:
        return unit_price_for(self.amounts[index], quantity)


def settle(lines: Sequence[Charged], total: Decimal | None = None) -> Settlement:
    """Amounts excl. VAT per line so that the accounting total equals `total` (the shop's,
    computed when not given) as nearly as the accounting system's rounding allows.

    A cent is moved only on lines whose prices include VAT (their amount excl. VAT is derived
    anyway); an amount excl. VAT that the shop charged is booked as charged."""
    target = shop_total(lines) if total is None else total
    amounts = [line_amount(line) for line in lines]
    for _attempt in range(2 * len(lines) + 2):
        residual = target - accounting_total(zip(amounts, (x.rate for x in lines), strict=True))
        if residual == 0:
            break
        index = _line_to_move(lines, amounts, residual)
        if index is None:
            break
        amounts[index] += CENT if residual > 0 else -CENT
    booked = accounting_total(zip(amounts, (x.rate for x in lines), strict=True))
    return Settlement(amounts=amounts, residual=target - booked)


def _line_to_move(
    lines: Sequence[Charged], amounts: list[Decimal], residual: Decimal
) -> int | None:
    """The line (incl. VAT, the largest first) whose booked total moves by exactly one cent
    towards the target when its amount moves by a cent."""
    step = CENT if residual > 0 else -CENT
    order = sorted(range(len(lines)), key=lambda i: -abs(amounts[i]))
    for index in order:
        line = lines[index]
        if not line.includes_vat:
            continue
        before = accounting_line(amounts[index], line.rate)
        after = accounting_line(amounts[index] + step, line.rate)
        if after - before == step and abs(amounts[index] + step - line.excl_vat) < 3 * CENT:
            return index
    return None
