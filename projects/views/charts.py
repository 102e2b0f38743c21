"""Server-rendered, accessible SVG bar charts (no JavaScript): a titled, described image
whose data is also given as a table next to it."""
from django.utils.html import format_html, format_html_join

BAR_HEIGHT = 26
GAP = 8
LABEL_WIDTH = 170
BAR_WIDTH = 300
VALUE_WIDTH = 60


def bar_chart(key, title, rows):
    """A horizontal bar chart of rows [{"label", "value", "pct"}], as safe SVG markup."""
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    desc = "；".join(f"{r['label']}：{r['value']}" for r in rows) or "—"
    bars = format_html_join("", (
        '<g><text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" font-size="13" fill="#212529">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#0b5ed7"></rect>'
        '<text x="{}" y="{}" dominant-baseline="middle" font-size="13" fill="#212529">{}</text></g>'), (
        (LABEL_WIDTH - 8, GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT / 2, str(r["label"])[:14],
         LABEL_WIDTH, GAP + i * (BAR_HEIGHT + GAP), max(round(BAR_WIDTH * r["pct"] / 100, 1), 1), BAR_HEIGHT,
         LABEL_WIDTH + max(round(BAR_WIDTH * r["pct"] / 100, 1), 1) + 6, GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT / 2,
         r["value"])
        for i, r in enumerate(rows)))
    return format_html(
        '<svg role="img" aria-labelledby="chart-{k}-title chart-{k}-desc" viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width:{w}px" xmlns="http://www.w3.org/2000/svg" data-testid="chart-{k}">'
        '<title id="chart-{k}-title">{t}</title><desc id="chart-{k}-desc">{d}</desc>{bars}</svg>',
        k=key, w=width, h=height, t=title, d=desc, bars=bars)
