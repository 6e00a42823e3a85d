"""Word lists for the demo data: Dutch product lines, names, streets, cities, banks.

Brands and companies are invented; e-mail domains are under example.com/.net/.org, which
are reserved (RFC 2606), so no generated address can reach a real mailbox.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Item = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class ProductLine:
    """A kind of product: each noun with the qualifiers that fit it ("Koffiebonen", "1 kg")."""

    prefix: str
    unit: str
    sales_type: str
    price_range: tuple[float, float]
    items: tuple[Item, ...]
    blurb: str
    materials: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()

    def material(self, rng: random.Random) -> str | None:
        return rng.choice(self.materials) if self.materials else None

    def name(self, rng: random.Random) -> str:
        noun, qualifiers = rng.choice(self.items)
        return f"{noun} {rng.choice(qualifiers)}"


COLOURED = ("zwart", "wit", "rood", "blauw", "groen")
PRODUCT_LINES = (
    ProductLine(
        "FTS",
        "stuks",
        "high",
        (4, 60),
        (
            ("Fietsbel", ("chroom", "zwart", "messing", "met kompas")),
            ("Fietslamp LED", ("voor", "achter", "set voor + achter", "oplaadbaar USB")),
            ("Fietsslot", ("ringslot ART-2", "kettingslot 90 cm", "vouwslot")),
            ("Bagagedrager", ("28 inch", "26 inch", "aluminium")),
            ("Fietspomp", ("met drukmeter", "mini", "staand")),
            ("Fietstas", ("dubbel waterdicht", "enkel 20 liter", "shopper")),
            ("Binnenband", ("28 x 1 5/8 x 1 3/8", "26 x 1.75", "20 inch")),
            ("Zadel", ("comfort gel", "sport", "heren", "dames")),
        ),
        "Stevig en weerbestendig, geschikt voor dagelijks gebruik.",
        ("staal", "aluminium"),
    ),
    ProductLine(
        "KOF",
        "stuks",
        "low",
        (3, 25),
        (
            (
                "Koffiebonen",
                ("biologisch 1 kg", "Colombia 1 kg", "Ethiopië 500 g", "espresso 1 kg"),
            ),
            ("Filterkoffie", ("snelfilter 500 g", "decafé 250 g", "fairtrade 250 g")),
            ("Koffiepads", ("regular 36 stuks", "strong 36 stuks", "decafé 18 stuks")),
            ("Groene thee", ("Sencha 100 g", "munt 20 zakjes", "jasmijn 100 g")),
            ("Rooibosthee", ("naturel 20 zakjes", "vanille 100 g")),
            ("Cacaopoeder", ("puur 250 g", "fairtrade 500 g")),
        ),
        "Vers gebrand in Nederland.",
        ("biologisch", "fairtrade"),
    ),
    ProductLine(
        "HUI",
        "stuks",
        "high",
        (2, 40),
        (
            ("Theedoek", ("katoen geruit", "linnen", "set van 4", "wafelstof")),
            ("Handdoek", ("50x100 cm", "70x140 cm", "set van 2")),
            ("Keukenschort", ("katoen", "linnen", "gestreept")),
            ("Ovenwant", ("katoen", "siliconen")),
            ("Tafelkleed", ("140x240 cm", "rond 160 cm", "linnenlook")),
            ("Badmat", ("50x80 cm", "katoen", "antislip")),
        ),
        "Wasbaar op 60 graden.",
        ("katoen", "linnen", "bamboe"),
    ),
    ProductLine(
        "LMP",
        "stuks",
        "high",
        (3, 90),
        (
            ("LED-lamp E27", ("4W warm wit", "8W warm wit", "dimbaar 9W", "filament 6W")),
            ("LED-lamp GU10", ("5W warm wit", "dimbaar 5W", "set van 3")),
            ("Bureaulamp", ("zwart", "messing", "met klem")),
            ("Hanglamp", ("rotan", "glas", "zwart metaal")),
            ("Verlengsnoer", ("3 meter", "5 meter", "10 meter buiten")),
            ("Stekkerdoos", ("4-voudig", "6-voudig met schakelaar", "met USB")),
        ),
        "Energiezuinig en lang meegaand.",
        ("kunststof", "messing", "glas"),
    ),
    ProductLine(
        "TUI",
        "stuks",
        "high",
        (2, 150),
        (
            ("Tuinslang", ("15 meter", "20 meter", "30 meter met haspel")),
            ("Snoeischaar", ("RVS", "aambeeld", "telescopisch")),
            ("Bloempot", ("terracotta 30 cm", "terracotta 40 cm", "kunststof 25 cm")),
            ("Gieter", ("10 liter", "5 liter zink")),
            ("Tuinhandschoenen", ("maat 8", "maat 9", "maat 10")),
            ("Potgrond", ("universeel 40 liter", "voor kamerplanten 20 liter")),
            ("Vogelhuisje", ("FSC-hout", "met dak van zink")),
        ),
        "Voor balkon en tuin.",
        ("hout", "RVS", "terracotta", "kunststof"),
    ),
    ProductLine(
        "KNT",
        "doos",
        "high",
        (1, 30),
        (
            ("Balpennen", ("blauw 10 stuks", "zwart 10 stuks", "4 kleuren")),
            ("Printpapier A4", ("80 g/m² 500 vel", "gerecycled 500 vel")),
            ("Ordner", ("2-rings A4", "80 mm", "50 mm")),
            ("Nietjes", ("24/6 1000 stuks", "26/6 5000 stuks")),
            ("Enveloppen", ("C5 50 stuks", "EA5 500 stuks", "met venster 50 stuks")),
            ("Markeerstiften", ("geel 10 stuks", "4 kleuren")),
        ),
        "Voor kantoor en school.",
        ("papier", "kunststof"),
    ),
    ProductLine(
        "VDG",
        "stuks",
        "low",
        (1, 20),
        (
            ("Stroopwafels", ("8 stuks", "roomboter 10 stuks", "mini 200 g")),
            ("Drop", ("zout 250 g", "zoet 250 g", "dubbelzout 200 g")),
            ("Hagelslag", ("puur 400 g", "melk 400 g", "vruchten 300 g")),
            ("Pindakaas", ("met stukjes 350 g", "naturel 600 g")),
            ("Kaas jong belegen", ("per kg", "plakken 150 g", "48+ stuk 500 g")),
            ("Speculaas", ("roomboter 300 g", "gevuld 400 g")),
            ("Ontbijtkoek", ("naturel 450 g", "met gember 400 g")),
        ),
        "Echt Hollands.",
    ),
    ProductLine(
        "BOE",
        "stuks",
        "low",
        (8, 45),
        (
            ("Kookboek", ("Hollandse pot", "vegetarisch", "bakken")),
            ("Fietsroutegids", ("Nederland", "Friesland", "Zeeland")),
            ("Kinderboek", ("voorlezen 3+", "eerste lezers", "prentenboek")),
            ("Puzzelboek", ("kruiswoord", "sudoku", "zweeds")),
        ),
        "Nederlandstalig.",
    ),
)

VARIANT_LINES = (
    ProductLine(
        "KLD",
        "stuks",
        "high",
        (10, 120),
        (
            ("T-shirt", ("katoen", "biokatoen")),
            ("Polo", ("piqué katoen", "biokatoen")),
            ("Sweater", ("katoen", "merinowol")),
            ("Regenjas", ("gerecycled polyester", "waterdicht")),
            ("Werkbroek", ("canvas", "stretch")),
        ),
        "Valt normaal op maat.",
        ("katoen", "wol", "polyester"),
        ("XS", "S", "M", "L", "XL", "XXL"),
    ),
    ProductLine(
        "SCH",
        "paar",
        "high",
        (30, 140),
        (
            ("Sneaker", ("leer", "canvas")),
            ("Wandelschoen", ("leer waterdicht", "suède")),
            ("Laars", ("rubber", "leer")),
            ("Pantoffel", ("vilt", "wol")),
        ),
        "Met uitneembaar voetbed.",
        ("leer", "textiel"),
        ("38", "39", "40", "41", "42", "43", "44", "45"),
    ),
)

COLOURS = ("zwart", "wit", "marine", "grijs", "rood", "groen", "oker", "bordeaux")
BRANDS = (
    "Polderwerk",
    "Hollandia Home",
    "Vanderveen",
    "De Kleine Molen",
    "NoordZee",
    "Tulpstra",
    "Grachtwerk",
    "Dijkhuis",
    "Zuiderlicht",
    "Oranjeboom & Co",
)

FIRST_NAMES = (
    "Jan",
    "Sanne",
    "Pieter",
    "Emma",
    "Daan",
    "Julia",
    "Lucas",
    "Sophie",
    "Sem",
    "Lotte",
    "Thijs",
    "Anna",
    "Bram",
    "Eva",
    "Ruben",
    "Fleur",
    "Lars",
    "Lisa",
    "Jesse",
    "Noor",
    "Tim",
    "Femke",
    "Koen",
    "Iris",
    "Wouter",
    "Marieke",
    "Henk",
    "Ingrid",
    "Kees",
    "Annelies",
    "Mohammed",
    "Fatima",
    "Yusuf",
    "Priya",
    "Sven",
    "Joke",
)
SURNAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "El Amrani",
)
TRADES = (
    "Bakkerij",
    "Fietsenmaker",
    "Bloemenhandel",
    "Installatietechniek",
    "Schildersbedrijf",
    "Kapsalon",
    "Boekhandel",
    "Koffiebranderij",
    "Tuincentrum",
    "Drukkerij",
    "Bouwbedrijf",
    "Webwinkel",
    "Groothandel",
    "Reclamebureau",
    "Architectenbureau",
    "Kinderopvang",
    "Autobedrijf",
    "Slagerij",
    "Cadeauwinkel",
    "Sportschool",
)
COMPANY_FORMS = (" B.V.", " B.V.", " V.O.F.", "", " & Zn.")
FUNCTIONS = (
    "Eigenaar",
    "Inkoper",
    "Boekhouding",
    "Office manager",
    "Directeur",
    "Bedrijfsleider",
)

STREETS = (
    "Keizersgracht",
    "Prinsengracht",
    "Herengracht",
    "Dorpsstraat",
    "Kerkstraat",
    "Molenweg",
    "Stationsweg",
    "Julianalaan",
    "Wilhelminastraat",
    "Beatrixlaan",
    "Hoofdstraat",
    "Schoolstraat",
    "Nieuwe Binnenweg",
    "Oudegracht",
    "Marktplein",
    "Lindenlaan",
    "Eikenlaan",
    "Sportlaan",
    "Industrieweg",
    "Havenstraat",
    "Kanaalweg",
    "Parallelweg",
    "Burgemeester de Withstraat",
    "Van Goghstraat",
    "Rembrandtlaan",
    "Oranjestraat",
    "Vondelstraat",
    "Zeeweg",
    "Dijkweg",
)
# Streets whose names hold digits: the classic traps for a street / number splitter.
TRICKY_STREETS = (
    "1e Jan Steenstraat",
    "Plein 1944",
    "Laan 1940-1945",
    "2e Hugo de Grootstraat",
    "Straat van de 18e eeuw",
)
# City, lowest and highest postcode digits, area code.
CITIES = (
    ("Amsterdam", 1011, 1109, "020"),
    ("Rotterdam", 3011, 3089, "010"),
    ("Utrecht", 3511, 3585, "030"),
    ("Den Haag", 2491, 2597, "070"),
    ("Eindhoven", 5611, 5658, "040"),
    ("Groningen", 9711, 9747, "050"),
    ("Zwolle", 8011, 8043, "038"),
    ("Haarlem", 2011, 2037, "023"),
    ("Nijmegen", 6511, 6546, "024"),
    ("Maastricht", 6211, 6229, "043"),
    ("Tilburg", 5011, 5049, "013"),
    ("Leeuwarden", 8911, 8939, "058"),
    ("Arnhem", 6811, 6846, "026"),
    ("Breda", 4811, 4839, "076"),
    ("Amersfoort", 3811, 3829, "033"),
    ("Delft", 2611, 2629, "015"),
)
POSTCODE_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
FOREIGN_ADDRESSES = (
    ("Meir 12", "2000", "Antwerpen", "BE"),
    ("Veldstraat 45", "9000", "Gent", "BE"),
    ("Hauptstraße 5", "47533", "Kleve", "DE"),
    ("Königsallee 27", "40212", "Düsseldorf", "DE"),
)
# Bank code and BIC of Dutch banks, for IBANs with valid check digits.
BANKS = (
    ("INGB", "INGBNL2A"),
    ("RABO", "RABONL2U"),
    ("ABNA", "ABNANL2A"),
    ("SNSB", "SNSBNL2A"),
    ("TRIO", "TRIONL2U"),
    ("ASNB", "ASNBNL21"),
    ("KNAB", "KNABNL2H"),
    ("BUNQ", "BUNQNL2A"),
)
