"""A tiny labelled corpus for tests of the model machinery (not the project's data)."""

HEADER = "text,actor,stance,doc\n"
ROWS = [  # enough for a model of each label; its accuracy does not matter
    ("Chile rejected the official result.", "Chile", "oppose"),
    ("Peru said it would not recognise the count.", "Peru", "oppose"),
    ("Panama called the vote a fraud.", "Panama", "oppose"),
    ("Russia congratulated Maduro on his victory.", "Russia", "support"),
    ("Russia congratulated Maduro on his victory.", "Nicolás Maduro", "none"),
    ("Cuba hailed the re-election of its ally.", "Cuba", "support"),
    ("Iran praised the smooth vote.", "Iran", "support"),
    ("Brazil asked for the tally sheets.", "Brazil", "neutral"),
    ("Mexico called for a transparent review of the records.", "Mexico", "neutral"),
    ("Colombia offered to mediate.", "Colombia", "neutral"),
    ("Talks were held in Qatar.", "Qatar", "none"),
    ("Exiles flew to Spain.", "Spain", "none"),
]


def csv_rows(rows=ROWS) -> str:
    """Training CSV text, one doc per row."""
    return HEADER + "".join(f'"{t}",{a},{s},d{i}\n' for i, (t, a, s) in enumerate(rows))
