package views

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// BarChart is a small server-rendered horizontal bar chart. Title and Desc name it for
// assistive technology (role="img" with <title> and <desc>); pages that show one keep
// the figures in a table too.
type BarChart struct {
	ID, Title, Desc string
	Bars            []Bar
	// Max is the value of a full bar (0: the largest value).
	Max int
	// Percent shows values as percentages.
	Percent bool
}

// Bar is one bar: a label, its value and, when Alert, the warning colour.
type Bar struct {
	Label string
	Value int
	Alert bool
}

// chart geometry, in viewBox units: the SVG scales to its box's width.
const (
	chartWidth = 360
	chartRow   = 30
	chartBarH  = 12
	chartValue = 44 // room right of the bars for the value
)

// barLayout is a bar placed in the chart.
type barLayout struct {
	Bar
	LabelY, BarY, Width, ValueX int
	Text                        string
}

func (c BarChart) height() int { return len(c.Bars)*chartRow + 4 }

func (c BarChart) layout() []barLayout {
	top := c.Max
	for _, b := range c.Bars {
		top = max(top, b.Value)
	}
	out := make([]barLayout, len(c.Bars))
	for i, b := range c.Bars {
		w := 0
		if top > 0 {
			w = b.Value * (chartWidth - chartValue) / top
		}
		text := strconv.Itoa(b.Value)
		if c.Percent {
			text += "%"
		}
		y := i * chartRow
		out[i] = barLayout{Bar: b, LabelY: y + 11, BarY: y + 15, Width: max(w, 1), ValueX: w + 4, Text: text}
	}
	return out
}

// TrendChart is a small column chart of weekly figures: for each week, up to two
// series side by side (for example onboardings started and completed).
type TrendChart struct {
	ID, Title, Desc string
	Series          [2]string // the series' names, for the legend
	Weeks           []TrendWeek
}

// TrendWeek is one week of a trend: its label ("7 Dec") and the two series' values.
type TrendWeek struct {
	Label  string
	Values [2]int
}

const (
	trendHeight = 120
	trendBase   = 100 // y of the axis
)

type trendColumn struct {
	X, LabelX int
	Label     string
	Bars      [2]trendBar
}

type trendBar struct {
	X, Y, W, H int
	Value      int
}

func (c TrendChart) layout() []trendColumn {
	top := 1
	for _, w := range c.Weeks {
		top = max(top, w.Values[0], w.Values[1])
	}
	step := chartWidth / max(len(c.Weeks), 1)
	bw := max((step-6)/2, 2)
	out := make([]trendColumn, len(c.Weeks))
	for i, w := range c.Weeks {
		x := i*step + 3
		col := trendColumn{X: x, LabelX: x, Label: w.Label}
		for s := range 2 {
			h := w.Values[s] * (trendBase - 8) / top
			col.Bars[s] = trendBar{X: x + s*bw, Y: trendBase - h, W: bw - 1, H: h, Value: w.Values[s]}
		}
		out[i] = col
	}
	return out
}

// nouns is "1 person", "3 people".
func nouns(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// xlsxLink is the XLSX download beside a CSV one: the same path and query, .xlsx.
func xlsxLink(csv string) templ.SafeURL {
	path, query, _ := strings.Cut(csv, "?")
	u := strings.TrimSuffix(path, ".csv") + ".xlsx"
	if query != "" {
		u += "?" + query
	}
	return templ.SafeURL(u)
}

// complianceChart is the share of assigned modules passed, per module.
func complianceChart(counts []TrainingCount) BarChart {
	c := BarChart{ID: "compliance-chart", Title: "Share of assignments passed, per module", Max: 100, Percent: true,
		Desc: "One bar per module: the percentage of its assignments that are passed. Red bars are modules with overdue assignments. The table below holds the same figures."}
	for _, m := range counts {
		pct := 0
		if m.Assigned > 0 {
			pct = m.Passed * 100 / m.Assigned
		}
		c.Bars = append(c.Bars, Bar{Label: m.Label, Value: pct, Alert: m.Overdue > 0})
	}
	return c
}
