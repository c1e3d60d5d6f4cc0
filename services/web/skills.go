package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// The skills pages and API. The skills service owns the data and decides who may see or
// change what; these handlers translate HTTP to its operations and render the replies.

func (m *Main) skillsOp(op string) string { return events.RPC(events.SkillsService, op) }

func (m *Main) skillsPages() []route {
	return []route{
		{"GET /skills", m.page(m.mySkillsPage)},
		{"GET /skills/team", m.page(m.teamMatrixPage)},
		{"GET /skills/reports", m.page(m.reportPage)},
		{"GET /skills/import", m.page(m.importPage)},
		{"POST /skills/import", m.page(m.importUpload)},
		{"GET /people/{id}/skills", m.page(m.personSkillsPage)},
		{"POST /people/{id}/skills/assess", m.page(m.assessForm)},
		{"POST /people/{id}/skills/verify", m.page(m.verifyForm)},
		{"POST /people/{id}/skills/certifications", m.page(m.certForm)},
	}
}

func (m *Main) skillsAPIRoutes() []route {
	return []route{
		{"GET /api/v1/skills", m.api(m.apiSkills)},
		{"POST /api/v1/skills/import", m.api(m.apiSkillsImport)},
		{"GET /api/v1/people/{id}/skills", m.api(m.apiPersonSkills)},
		{"POST /api/v1/people/{id}/skills/{skill}/assessments", m.api(m.apiAssess)},
		{"POST /api/v1/people/{id}/skills/{skill}/verifications", m.api(m.apiVerify)},
		{"POST /api/v1/people/{id}/certifications", m.api(m.apiCertify)},
		{"GET /api/v1/reports/skill-matrix", m.api(m.apiReport(events.OpReportMatrix))},
		{"GET /api/v1/reports/coverage", m.api(m.apiReport(events.OpReportCoverage))},
		{"GET /api/v1/reports/gaps", m.api(m.apiReport(events.OpReportGaps))},
		{"GET /api/v1/reports/certifications", m.api(m.apiReport(events.OpReportCerts))},
	}
}

// --- API ---

func (m *Main) apiSkills(w http.ResponseWriter, r *http.Request, v *viewer) {
	list, err := rpc.Call[events.SkillsReply](r.Context(), m.nc, m.skillsOp(events.OpSkillsList), v.caller(), nil)
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (m *Main) apiSkillsImport(w http.ResponseWriter, r *http.Request, v *viewer) {
	var req events.SkillImportRequest
	if err := decodeLimit(w, r, &req, 8<<20); err != nil {
		writeError(w, err)
		return
	}
	reply, err := rpc.Call[events.SkillImportReply](r.Context(), m.nc, m.skillsOp(events.OpSkillsImport), v.caller(), req)
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, reply)
}

func (m *Main) apiPersonSkills(w http.ResponseWriter, r *http.Request, v *viewer) {
	rec, err := rpc.Call[events.SkillRecordReply](r.Context(), m.nc, m.skillsOp(events.OpRecordGet), v.caller(),
		events.SkillRecordRequest{Person: r.PathValue("id"), AsOf: r.URL.Query().Get("as_of")})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

type levelBody struct {
	Level int    `json:"level"`
	Note  string `json:"note"`
}

func (m *Main) apiLevel(op string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		var b levelBody
		if err := decode(w, r, &b); err != nil {
			writeError(w, err)
			return
		}
		it, err := rpc.Call[events.SkillRecordItem](r.Context(), m.nc, m.skillsOp(op), v.caller(),
			events.SkillLevelRequest{Person: r.PathValue("id"), Skill: r.PathValue("skill"), Level: b.Level, Note: b.Note})
		if err != nil {
			m.logFailure(r, err)
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, it)
	}
}

func (m *Main) apiAssess(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.apiLevel(events.OpRecordAssess)(w, r, v)
}

func (m *Main) apiVerify(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.apiLevel(events.OpRecordVerify)(w, r, v)
}

type certBody struct {
	Name    string `json:"name"`
	Issuer  string `json:"issuer"`
	Issued  string `json:"issued"`
	Expires string `json:"expires"`
	Skill   string `json:"skill"`
	Level   int    `json:"level"`
}

func (m *Main) apiCertify(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b certBody
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	c, err := rpc.Call[events.SkillCertification](r.Context(), m.nc, m.skillsOp(events.OpRecordCertify), v.caller(), events.SkillCertifyRequest{
		Person: r.PathValue("id"), Name: b.Name, Issuer: b.Issuer, Issued: b.Issued, Expires: b.Expires, Skill: b.Skill, Level: b.Level})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func reportQuery(r *http.Request) events.SkillReportRequest {
	q := r.URL.Query()
	return events.SkillReportRequest{Team: q.Get("team"), Track: q.Get("track"), Skill: q.Get("skill"), AsOf: q.Get("as_of")}
}

// reportRowsPerExportPage is how many report rows an export asks for at a time: a matrix
// row of every skill is up to about 1.4 KB, so a page stays well below NATS's default
// 1 MB payload.
const reportRowsPerExportPage = 500

// reportJSON is one page of a report for API clients.
type reportJSON struct {
	events.SkillTable
	First int    `json:"first"`
	Next  string `json:"next,omitempty"`
	Prev  string `json:"prev,omitempty"`
}

// apiReport answers a report: as JSON a page at a time (?limit, ?cursor), as CSV or XLSX
// the whole report, streamed.
func (m *Main) apiReport(op string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		format := r.URL.Query().Get("format")
		if format == "" {
			format = "json"
		}
		if format != "json" && format != "csv" && format != "xlsx" {
			writeError(w, &events.Error{Code: events.CodeInvalid, Message: "format must be json, csv or xlsx", Fields: map[string]string{"format": "must be json, csv or xlsx"}})
			return
		}
		q := reportQuery(r)
		if format == "json" {
			page, offset, err := offsetPage(r)
			if err != nil {
				writeError(w, err)
				return
			}
			q.Offset, q.Limit = offset, page.Limit
			t, err := rpc.Call[events.SkillTable](r.Context(), m.nc, m.skillsOp(op), v.caller(), q)
			if err != nil {
				m.logFailure(r, err)
				writeError(w, err)
				return
			}
			info := offsetInfo(q.Limit, t.Offset, t.Total)
			if t.Rows == nil {
				t.Rows = [][]string{}
			}
			writeJSON(w, http.StatusOK, reportJSON{SkillTable: t, First: t.Offset, Next: info.Next, Prev: info.Prev})
			return
		}
		release, ok := m.startExport(w, r)
		if !ok {
			return
		}
		defer release()
		// The first page decides the status and the columns; the rest streams.
		q.Limit = reportRowsPerExportPage
		first, err := rpc.Call[events.SkillTable](r.Context(), m.nc, m.skillsOp(op), v.caller(), q)
		if err != nil {
			m.exportFailed(w, r, err)
			return
		}
		src := func(ctx context.Context, cursor string) ([][]string, string, error) {
			t := first
			if cursor != "" {
				q.Offset, _ = strconv.Atoi(cursor)
				var err error
				if t, err = rpc.Call[events.SkillTable](ctx, m.nc, m.skillsOp(op), v.caller(), q); err != nil {
					return nil, "", err
				}
			}
			next := ""
			if end := t.Offset + len(t.Rows); end < t.Total && len(t.Rows) > 0 {
				next = strconv.Itoa(end)
			}
			return t.Rows, next, nil
		}
		name := first.Report + "-" + first.AsOf
		switch format {
		case "csv":
			m.writeCSVExport(w, r, name+".csv", first.Columns, src)
		case "xlsx":
			if err := writeXLSX(w, name, first.Columns, func(each func([][]string) error) error {
				return eachPage(r.Context(), src, each)
			}); err != nil {
				m.log.Error("report export failed", "path", r.URL.Path, "err", err)
			}
		}
	}
}

// --- pages ---

func (m *Main) mySkillsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderSkills(w, r, v, v.ID, http.StatusOK, views.SkillsView{})
}

func (m *Main) personSkillsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderSkills(w, r, v, r.PathValue("id"), http.StatusOK, views.SkillsView{})
}

func (m *Main) renderSkills(w http.ResponseWriter, r *http.Request, v *viewer, person string, code int, form views.SkillsView) {
	rec, err := rpc.Call[events.SkillRecordReply](r.Context(), m.nc, m.skillsOp(events.OpRecordGet), v.caller(),
		events.SkillRecordRequest{Person: person, AsOf: r.URL.Query().Get("as_of")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	cat, err := rpc.Call[events.SkillsReply](r.Context(), m.nc, m.skillsOp(events.OpSkillsList), v.caller(), nil)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	sv := form
	sv.Person, sv.Name, sv.Team, sv.Track, sv.Seniority, sv.AsOf = rec.Person, rec.Name, rec.Team, m.names(r.Context()).track(rec.Track), rec.Seniority, rec.AsOf
	sv.Self, sv.CanVerify = rec.CanAssess, rec.CanVerify
	for _, s := range cat.Items {
		sv.Skills = append(sv.Skills, views.Option{Value: s.ID, Label: s.Name + " (" + strconv.Itoa(s.MinLevel) + "–" + strconv.Itoa(s.MaxLevel) + ")"})
	}
	sv.Items = skillRows(rec.Items, m.namer(r, v, map[string]string{rec.Person: rec.Name}))
	sv.Gaps = gapRows(rec.Gaps)
	for _, c := range rec.Certifications {
		cr := views.CertRow{Name: c.Name, Issuer: c.Issuer, Issued: c.Issued, Expires: c.Expires, Skill: c.Skill, Status: c.Status}
		if c.DaysLeft != nil && *c.DaysLeft >= 0 {
			cr.DaysLeft = "(" + strconv.Itoa(*c.DaysLeft) + " days left)"
		}
		sv.Certs = append(sv.Certs, cr)
	}
	sv.Chart = skillChart(sv.Items)
	title := "My skills"
	if !sv.Self {
		title = "Skills of " + rec.Name
	}
	m.render(w, r, code, views.SkillsPage(m.pageFor(r, title), sv))
}

// skillRows are a record's skills for the page, each change named by who made it.
func skillRows(items []events.SkillRecordItem, names func(string) string) []views.SkillRow {
	var out []views.SkillRow
	for _, it := range items {
		row := views.SkillRow{Skill: it.Skill, Name: it.Name, Level: it.Level, Source: it.Source}
		if it.Target != nil {
			row.Target = *it.Target
		}
		if it.Claimed != nil {
			row.Claimed = *it.Claimed
		}
		for _, h := range it.History {
			row.History = append(row.History, views.SkillHistoryRow{Time: h.Time, Actor: names(h.Actor), Source: h.Source, Level: h.Level, Note: h.Note, Module: h.Module})
		}
		out = append(out, row)
	}
	return out
}

// gapRows are a record's gaps, each with the modules that close it.
func gapRows(gaps []events.SkillGap) []views.SkillGapRow {
	var out []views.SkillGapRow
	for _, g := range gaps {
		gr := views.SkillGapRow{Skill: g.Skill, Name: g.Name, Level: g.Level, Target: g.Target, Missing: g.Missing}
		for _, mod := range g.Modules {
			gr.Modules = append(gr.Modules, views.Option{Value: mod.ID, Label: mod.Title + " (level " + strconv.Itoa(mod.Level) + ")"})
		}
		out = append(out, gr)
	}
	return out
}

// skillChart lays out the levels-vs-targets chart: one bar per skill that has a level,
// a claim or a target.
func skillChart(items []views.SkillRow) views.SkillChart {
	const labelW, step, rowH = 220, 60, 26
	c := views.SkillChart{LabelWidth: labelW, Step: step, Width: labelW + 7*step + 10}
	y := 4
	for _, it := range items {
		if it.Level == 0 && it.Target == 0 && it.Claimed == 0 {
			continue
		}
		b := views.ChartBar{Label: it.Name, Y: y, TextY: y + 13, Width: it.Level * step, Level: it.Level, Target: it.Target, Claimed: it.Claimed,
			LevelClassName: "chart-level"}
		if it.Claimed > 0 {
			b.ClaimWidth = it.Claimed * step
		}
		if it.Target > 0 {
			b.TargetX = labelW + it.Target*step
			if it.Level < it.Target {
				b.BelowTarget, b.LevelClassName = true, "chart-level below"
			}
		}
		c.Bars = append(c.Bars, b)
		y += rowH
	}
	c.Height = y + 20
	for l := 0; l <= 7; l++ {
		c.Ticks = append(c.Ticks, views.ChartTick{X: labelW + l*step, Label: strconv.Itoa(l)})
	}
	return c
}

func formLevel(r *http.Request) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("level")))
	return n
}

func (m *Main) assessForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.levelForm(w, r, v, events.OpRecordAssess)
}

func (m *Main) verifyForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.levelForm(w, r, v, events.OpRecordVerify)
}

func (m *Main) levelForm(w http.ResponseWriter, r *http.Request, v *viewer, op string) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	person := r.PathValue("id")
	f := views.SkillForm{Skill: r.PostFormValue("skill"), Level: r.PostFormValue("level"), Note: r.PostFormValue("note")}
	_, err := rpc.Call[events.SkillRecordItem](r.Context(), m.nc, m.skillsOp(op), v.caller(),
		events.SkillLevelRequest{Person: person, Skill: f.Skill, Level: formLevel(r), Note: f.Note})
	var e *events.Error
	if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeNotFound) {
		f.Fields, f.Error = e.Fields, e.Message
		if f.Fields == nil && e.Code == events.CodeNotFound {
			f.Fields = map[string]string{"skill": e.Message}
		}
		sv := views.SkillsView{}
		if op == events.OpRecordAssess {
			sv.Assess = f
		} else {
			sv.Verify = f
		}
		m.renderSkills(w, r, v, person, status(e), sv)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if r.PostFormValue("back") == "team" {
		http.Redirect(w, r, "/skills/team", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/people/"+url.PathEscape(person)+"/skills", http.StatusSeeOther)
}

func (m *Main) certForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	person := r.PathValue("id")
	f := views.CertForm{Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"), Issued: r.PostFormValue("issued"),
		Expires: r.PostFormValue("expires"), Skill: r.PostFormValue("skill"), Level: r.PostFormValue("level")}
	_, err := rpc.Call[events.SkillCertification](r.Context(), m.nc, m.skillsOp(events.OpRecordCertify), v.caller(), events.SkillCertifyRequest{
		Person: person, Name: f.Name, Issuer: f.Issuer, Issued: f.Issued, Expires: f.Expires, Skill: f.Skill, Level: formLevel(r)})
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeInvalid {
		f.Fields, f.Error = e.Fields, e.Message
		m.renderSkills(w, r, v, person, status(e), views.SkillsView{Cert: f})
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/people/"+url.PathEscape(person)+"/skills", http.StatusSeeOther)
}

var cellPattern = regexp.MustCompile(`^(?:(\d) (\w+))?(?:, )?(?:claims (\d))?$`)

// parseCell reads a matrix cell ("3 verified", "2 self, claims 4") back into its parts.
func parseCell(s string) views.MatrixCell {
	var c views.MatrixCell
	if mm := cellPattern.FindStringSubmatch(s); mm != nil {
		c.Level, _ = strconv.Atoi(mm[1])
		c.Source = mm[2]
		c.Claimed, _ = strconv.Atoi(mm[3])
	}
	return c
}

func (m *Main) teamMatrixPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := reportQuery(r)
	q.Track, q.Skill = "", ""
	if q.Team == "" {
		q.Team = v.Team
	}
	page, offset, err := offsetPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	q.Offset, q.Limit = offset, page.Limit
	t, err := rpc.Call[events.SkillTable](r.Context(), m.nc, m.skillsOp(events.OpReportMatrix), v.caller(), q)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	tv := views.TeamMatrixView{Team: q.Team, AsOf: q.AsOf, CanVerify: q.AsOf == "", Pager: pagerFor(r, offsetInfo(q.Limit, t.Offset, t.Total), len(t.Rows))}
	for i := 5; i < len(t.Keys); i++ {
		tv.Skills = append(tv.Skills, views.Option{Value: t.Keys[i], Label: t.Columns[i]})
	}
	for _, row := range t.Rows {
		mr := views.MatrixRow{Person: row[0], Name: row[1]}
		for i := 5; i < len(row); i++ {
			c := parseCell(row[i])
			c.Skill = t.Keys[i]
			mr.Cells = append(mr.Cells, c)
		}
		tv.Rows = append(tv.Rows, mr)
	}
	if v.has(events.RoleHR, events.RoleAdmin) {
		tv.Teams, _ = m.teamOptions(r, v) // without the list the filter still works
	}
	m.render(w, r, http.StatusOK, views.TeamMatrixPage(m.pageFor(r, "Team skills"), tv))
}

var reportOps = []struct{ id, op, title string }{
	{"skill-matrix", events.OpReportMatrix, "Skill matrix"},
	{"coverage", events.OpReportCoverage, "Coverage per skill"},
	{"gaps", events.OpReportGaps, "Gaps by team"},
	{"certifications", events.OpReportCerts, "Certifications expiring in 90 days"},
}

func (m *Main) reportPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	qs := r.URL.Query()
	name := qs.Get("report")
	if name == "" {
		name = "skill-matrix"
	}
	i := slices.IndexFunc(reportOps, func(x struct{ id, op, title string }) bool { return x.id == name })
	if i < 0 {
		m.fail(w, r, events.Errorf(events.CodeNotFound, "There is no report %q.", name))
		return
	}
	q := reportQuery(r)
	page, offset, err := offsetPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	q.Offset, q.Limit = offset, page.Limit
	t, err := rpc.Call[events.SkillTable](r.Context(), m.nc, m.skillsOp(reportOps[i].op), v.caller(), q)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	info := offsetInfo(q.Limit, t.Offset, t.Total)
	rv := views.ReportView{Report: name, Title: reportOps[i].title, AsOf: q.AsOf, Team: q.Team, Track: q.Track, Skill: q.Skill,
		Columns: t.Columns, Rows: t.Rows, Pager: pagerFor(r, info, len(t.Rows)), Flagged: map[int]bool{}}
	for _, x := range reportOps {
		rv.Reports = append(rv.Reports, views.Option{Value: x.id, Label: x.title})
	}
	for j, row := range t.Rows {
		if len(row) > 0 && slices.Contains(t.Flags, row[0]) {
			rv.Flagged[j] = true
		}
	}
	// On screen, people are named, not identified: the id column stays in the downloads.
	if i := slices.Index(t.Keys, "person"); i >= 0 && i < len(t.Columns) {
		rv.Columns = slices.Delete(slices.Clone(t.Columns), i, i+1)
		rv.Rows = make([][]string, len(t.Rows))
		for j, row := range t.Rows {
			rv.Rows[j] = row
			if i < len(row) {
				rv.Rows[j] = slices.Delete(slices.Clone(row), i, i+1)
			}
		}
	}
	rv.Teams, _ = m.teamOptions(r, v) // without the list the filter still works
	rv.Tracks = m.names(r.Context()).trackOptions()
	rv.SkillOptions = m.skillOptions(r.Context(), v)
	link := func(format string) string {
		u := url.Values{}
		for k, val := range map[string]string{"team": q.Team, "track": q.Track, "skill": q.Skill, "as_of": q.AsOf, "format": format} {
			if val != "" {
				u.Set(k, val)
			}
		}
		return "/api/v1/reports/" + name + "?" + u.Encode()
	}
	rv.CSV, rv.XLSX = link("csv"), link("xlsx")
	m.render(w, r, http.StatusOK, views.ReportPage(m.pageFor(r, rv.Title), rv))
}

func (m *Main) importPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.has(events.RoleHR, events.RoleAdmin) {
		m.fail(w, r, events.Errorf(events.CodeForbidden, "only HR and admins may import a skills framework"))
		return
	}
	m.render(w, r, http.StatusOK, views.ImportPage(m.pageFor(r, "Import skills framework"), views.ImportView{}))
}

func (m *Main) importUpload(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.has(events.RoleHR, events.RoleAdmin) { // before reading a 6 MiB upload for nothing
		m.fail(w, r, events.Errorf(events.CodeForbidden, "only HR and admins may import a skills framework"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 6<<20)
	file, hdr, err := r.FormFile("file")
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		m.fail(w, r, events.Errorf(events.CodeTooLarge, "The file is larger than 6 MiB."))
		return
	}
	if err != nil {
		m.render(w, r, http.StatusUnprocessableEntity, views.ImportPage(m.pageFor(r, "Import skills framework"), views.ImportView{Error: "Choose a CSV or YAML file to import."}))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		m.fail(w, r, events.Errorf(events.CodeBadRequest, "the upload could not be read"))
		return
	}
	reply, err := rpc.Call[events.SkillImportReply](r.Context(), m.nc, m.skillsOp(events.OpSkillsImport), v.caller(),
		events.SkillImportRequest{Filename: hdr.Filename, Content: string(data)})
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeInvalid {
		iv := views.ImportView{Error: e.Message}
		for k, msg := range e.Fields {
			iv.Problems = append(iv.Problems, views.Option{Value: k, Label: msg})
		}
		slices.SortFunc(iv.Problems, func(a, b views.Option) int { return lineOrder(a.Value) - lineOrder(b.Value) })
		m.render(w, r, http.StatusUnprocessableEntity, views.ImportPage(m.pageFor(r, "Import skills framework"), iv))
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.render(w, r, http.StatusCreated, views.ImportPage(m.pageFor(r, "Import skills framework"), views.ImportView{Imported: reply.Imported, File: hdr.Filename}))
}

func lineOrder(key string) int {
	s, _ := strings.CutPrefix(key, "line ")
	s, _, _ = strings.Cut(s, ":")
	n, _ := strconv.Atoi(s)
	return n
}
