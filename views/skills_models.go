package views

import (
	"net/url"
	"strconv"

	"github.com/a-h/templ"
)

// SkillHistoryRow is one change to a skill, for the history list.
type SkillHistoryRow struct {
	Time, Actor, Source, Note, Module string
	Level                             int
}

// SkillRow is one skill of a person's record. Level 0 means none; Target 0 means the skill
// is not in the role profile; Claimed 0 means nothing is claimed above Level.
type SkillRow struct {
	Skill, Name, Source    string
	Level, Target, Claimed int
	History                []SkillHistoryRow
}

// SkillGapRow is a profile skill lacking or below target, with modules that evidence it.
type SkillGapRow struct {
	Skill, Name   string
	Level, Target int
	Missing       bool
	Modules       []Option // Value: module id, Label: "Title (level n)"
}

// CertRow is one certification.
type CertRow struct {
	Name, Issuer, Issued, Expires, Skill, Status string
	DaysLeft                                     string
}

// ChartBar is one skill in the levels-vs-targets chart, laid out by the web service.
type ChartBar struct {
	Label          string
	Y, TextY       int // bar top, label baseline
	Width          int // level bar width (0: none)
	ClaimWidth     int // claimed level bar width (0: none)
	TargetX        int // x of the target marker (0: no target)
	Level, Target  int
	Claimed        int
	BelowTarget    bool
	LevelClassName string
}

// SkillChart is the server-rendered SVG chart of levels against targets.
type SkillChart struct {
	Width, Height, LabelWidth, Step int
	Bars                            []ChartBar
	Ticks                           []ChartTick
}

// ChartTick is a level gridline of the chart.
type ChartTick struct {
	X     int
	Label string
}

// SkillForm is the self-assessment or verification form state.
type SkillForm struct {
	Skill, Level, Note string
	Fields             map[string]string
	Error              string
}

// CertForm is the add-certification form state.
type CertForm struct {
	Name, Issuer, Issued, Expires, Skill, Level string
	Fields                                      map[string]string
	Error                                       string
}

// SkillsView is a person's skills page.
type SkillsView struct {
	Person, Name, Team, Track, Seniority, AsOf string
	Self, CanVerify                            bool
	Items                                      []SkillRow
	Gaps                                       []SkillGapRow
	Certs                                      []CertRow
	Skills                                     []Option // assessable skills, Label includes the range
	Chart                                      SkillChart
	Assess                                     SkillForm
	Verify                                     SkillForm
	Cert                                       CertForm
	Notice                                     string
}

// MatrixCell is one cell of the team heatmap.
type MatrixCell struct {
	Skill          string
	Level, Claimed int
	Source         string
}

// MatrixRow is one person of the heatmap.
type MatrixRow struct {
	Person, Name string
	Cells        []MatrixCell
}

// TeamMatrixView is the lead's team heatmap (people × skills).
type TeamMatrixView struct {
	Team, AsOf string
	Teams      []Option // HR and admin may pick any team
	Skills     []Option
	Rows       []MatrixRow
	// Holders counts, per skill column, the team's people holding the skill (all pages).
	Holders   []int
	CanVerify bool
	Notice    string
	// Pager is where the rows shown sit in the team.
	Pager Pager
}

// ReportView is one HR report page with its filters and downloads. The table's columns
// and cells come from the report's one writer, so the page shows what the files hold.
type ReportView struct {
	Report, Title, AsOf  string
	Team, Track, Skill   string
	Sort                 string
	Reports, Teams       []Option
	Tracks, SkillOptions []Option
	Columns              []ReportColumn
	Rows                 [][]ReportCell
	Flagged              map[int]bool
	// Pager is where the rows shown sit in the report; the downloads hold every row.
	Pager           Pager
	CSV, XLSX, JSON string
	// Totals: the matrix's totals per skill and per team, over every row.
	Totals *MatrixTotals
	// Chart: coverage as bars.
	Chart *BarChart
	// Groups: gaps by team, each expanding to its rows on this page.
	Groups []ReportGroup
	// Empty is what the page says when there are no rows.
	Empty string
}

// ReportColumn is a column of a report table. Sort is its aria-sort ("" when it cannot
// be sorted by; "none", "ascending" or "descending") and Href the link that sorts by it.
type ReportColumn struct {
	Title   string
	Numeric bool
	Sort    string
	Href    string
}

// ReportCell is a cell on screen: text, or a calendar day shown in words.
type ReportCell struct {
	Text    string
	Person  string // the person Text names, by id: linked to their profile when the viewer may open it
	Date    string
	Numeric bool
}

// ReportGroup is one team of "Gaps by team": its counts over the whole report and its
// rows on this page.
type ReportGroup struct {
	Team         string
	People, Gaps int
	Rows         [][]ReportCell
}

// MatrixTotals are the skill matrix's totals: per skill column the people holding it and
// those with a level to verify; per team the people holding each skill.
type MatrixTotals struct {
	Skills  []string
	People  int
	Holders []int
	Claims  []int
	Teams   []TeamTotal
}

// TeamTotal is one team's line of the matrix totals.
type TeamTotal struct {
	Team    string
	People  int
	Holders []int
}

// ImportView is the framework import page.
type ImportView struct {
	Error    string
	Problems []Option // Value: where (line and field), Label: message
	Imported int
	File     string
}

// levelClass is the heatmap class of a level: lvl-0 … lvl-7.
func levelClass(level int) string { return "lvl lvl-" + strconv.Itoa(level) }

// personSkillsURL is /people/{id}/skills[/action].
func personSkillsURL(id, action string) templ.SafeURL {
	u := "/people/" + url.PathEscape(id) + "/skills"
	if action != "" {
		u += "/" + action
	}
	return templ.SafeURL(u)
}

func levelText(n int) string {
	if n == 0 {
		return "—"
	}
	return strconv.Itoa(n)
}
