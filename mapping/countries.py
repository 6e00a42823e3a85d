"""Country names in Dutch and English with their ISO 3166-1 alpha-2 codes.

Europe complete, plus the countries Dutch and Belgian shops trade with most. Aliases cover
what customers type ("Holland", "Belgique", "Deutschland", "UK").
"""

from __future__ import annotations

import unicodedata

# code: (Dutch name, English name, *aliases)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "NL": ("Nederland", "Netherlands", "The Netherlands", "Holland", "Niederlande", "Pays-Bas"),
    "BE": ("België", "Belgium", "Belgique", "Belgien", "Belgie"),
    "LU": ("Luxemburg", "Luxembourg"),
    "DE": ("Duitsland", "Germany", "Deutschland", "Allemagne"),
    "FR": ("Frankrijk", "France"),
    "GB": (
        "Verenigd Koninkrijk",
        "United Kingdom",
        "UK",
        "Great Britain",
        "Groot-Brittannië",
        "England",
        "Engeland",
    ),
    "IE": ("Ierland", "Ireland"),
    "ES": ("Spanje", "Spain", "España"),
    "PT": ("Portugal", "Portugal"),
    "IT": ("Italië", "Italy", "Italia"),
    "AT": ("Oostenrijk", "Austria", "Österreich"),
    "CH": ("Zwitserland", "Switzerland", "Schweiz", "Suisse"),
    "DK": ("Denemarken", "Denmark", "Danmark"),
    "SE": ("Zweden", "Sweden", "Sverige"),
    "NO": ("Noorwegen", "Norway", "Norge"),
    "FI": ("Finland", "Finland", "Suomi"),
    "IS": ("IJsland", "Iceland"),
    "PL": ("Polen", "Poland", "Polska"),
    "CZ": ("Tsjechië", "Czechia", "Czech Republic"),
    "SK": ("Slowakije", "Slovakia"),
    "HU": ("Hongarije", "Hungary"),
    "SI": ("Slovenië", "Slovenia"),
    "HR": ("Kroatië", "Croatia"),
    "RO": ("Roemenië", "Romania"),
    "BG": ("Bulgarije", "Bulgaria"),
    "GR": ("Griekenland", "Greece"),
    "CY": ("Cyprus", "Cyprus"),
    "MT": ("Malta", "Malta"),
    "EE": ("Estland", "Estonia"),
    "LV": ("Letland", "Latvia"),
    "LT": ("Litouwen", "Lithuania"),
    "LI": ("Liechtenstein", "Liechtenstein"),
    "MC": ("Monaco", "Monaco"),
    "AD": ("Andorra", "Andorra"),
    "SM": ("San Marino", "San Marino"),
    "RS": ("Servië", "Serbia"),
    "BA": ("Bosnië en Herzegovina", "Bosnia and Herzegovina"),
    "ME": ("Montenegro", "Montenegro"),
    "MK": ("Noord-Macedonië", "North Macedonia"),
    "AL": ("Albanië", "Albania"),
    "UA": ("Oekraïne", "Ukraine"),
    "TR": ("Turkije", "Turkey", "Türkiye"),
    "US": ("Verenigde Staten", "United States", "USA", "United States of America"),
    "CA": ("Canada", "Canada"),
    "MX": ("Mexico", "Mexico"),
    "BR": ("Brazilië", "Brazil"),
    "AR": ("Argentinië", "Argentina"),
    "SR": ("Suriname", "Suriname"),
    "CW": ("Curaçao", "Curaçao", "Curacao"),
    "AW": ("Aruba", "Aruba"),
    "SX": ("Sint Maarten", "Sint Maarten"),
    "BQ": ("Caribisch Nederland", "Caribbean Netherlands", "Bonaire"),
    "MA": ("Marokko", "Morocco"),
    "ZA": ("Zuid-Afrika", "South Africa"),
    "EG": ("Egypte", "Egypt"),
    "IL": ("Israël", "Israel"),
    "AE": ("Verenigde Arabische Emiraten", "United Arab Emirates", "UAE"),
    "IN": ("India", "India"),
    "CN": ("China", "China"),
    "JP": ("Japan", "Japan"),
    "KR": ("Zuid-Korea", "South Korea"),
    "ID": ("Indonesië", "Indonesia"),
    "SG": ("Singapore", "Singapore"),
    "AU": ("Australië", "Australia"),
    "NZ": ("Nieuw-Zeeland", "New Zealand"),
}


def _fold(text: str) -> str:
    """Compare names without case, accents, dots or extra spaces ("belgie" = "België")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace(".", "").replace("-", " ").lower().split())


_BY_NAME: dict[str, str] = {
    _fold(name): code for code, names in COUNTRIES.items() for name in (code, *names)
}


def country_code_for(name: str) -> str | None:
    return _BY_NAME.get(_fold(name))


def country_name_for(code: str, language: str) -> str | None:
    names = COUNTRIES.get(code)
    if names is None:
        return None
    return names[0] if language == "nl" else names[1]
