"""An invoice as a PDF (fpdf2, with its built-in Helvetica: no font files to ship)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from fpdf import FPDF

from billing.models import Invoice

SELLER = ("APIcenter B.V.", "Keizersgracht 123A", "1015 CJ Amsterdam", "VAT NL000000000B01")


def euro(value: Decimal) -> str:
    return f"EUR {value:,.2f}".replace(",", " ")


def invoice_pdf(invoice: Invoice) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, "Invoice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in SELLER:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    issued = timezone.localtime(invoice.issued_at).strftime("%d-%m-%Y")
    for label, value in (
        ("Invoice number", invoice.number),
        ("Date", issued),
        ("Customer", invoice.company_name),
        ("Payment", invoice.payment_id),
    ):
        pdf.cell(45, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    lines = (
        (f"{invoice.plan_name}: {invoice.description}"[:90], invoice.amount_excl_vat),
        (f"VAT {invoice.vat_percent} %", invoice.vat),
    )
    for text, amount in lines:
        pdf.cell(140, 7, text, border="B")
        pdf.cell(0, 7, euro(amount), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(140, 9, "Total paid")
    pdf.cell(0, 9, euro(invoice.amount_incl_vat), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.ln(4)
    pdf.multi_cell(0, 5, "Paid by direct debit or iDEAL through Mollie. Thank you.")
    return bytes(pdf.output())
