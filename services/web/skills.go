package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/skillsapi"
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
		{"GET /api/v1/reports/skill-matrix", m.api(m.apiReport("skill-matrix"))},
		{"GET /api/v1/reports/coverage", m.api(m.apiReport("coverage"))},
		{"GET /api/v1/reports/gaps", m.api(m.apiReport("gaps"))},
		{"GET /api/v1/reports/certifications", m.api(m.apiReport("certifications"))},
	}
}

// --- API ---

func (m *Main) apiSkills(w http.ResponseWriter, r *http.Request, v *viewer) {
	list, err := rpc.Do(r.Context(), m.nc, skillsapi.OpSkillsList, v.caller(), events.None{})
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
	reply, err := rpc.Do(r.Context(), m.nc, skillsapi.OpSkillsImport, v.caller(), req)
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, reply)
}

func (m *Main) apiPersonSkills(w http.ResponseWriter, r *http.Request, v *viewer) {
	rec, err := rpc.Do(r.Context(), m.nc, skillsapi.OpRecordGet, v.caller(),
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

// levelOp records a level: a self-assessment or a lead's verification.
type levelOp = events.Op[events.SkillLevelRequest, events.SkillRecordItem]

func (m *Main) apiLevel(op levelOp) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		var b levelBody
		if err := decode(w, r, &b); err != nil {
			writeError(w, err)
			return
		}
		it, err := rpc.Do(r.Context(), m.nc, op, v.caller(),
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
	m.apiLevel(skillsapi.OpRecordAssess)(w, r, v)
}

func (m *Main) apiVerify(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.apiLevel(skillsapi.OpRecordVerify)(w, r, v)
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
	c, err := rpc.Do(r.Context(), m.nc, skillsapi.OpRecordCertify, v.caller(), events.SkillCertifyRequest{
		Person: r.PathValue("id"), Name: b.Name, Issuer: b.Issuer, Issued: b.Issued, Expires: b.Expires, Skill: b.Skill, Level: b.Level})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// --- pages ---

func (m *Main) mySkillsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderSkills(w, r, v, v.ID, http.StatusOK, views.SkillsView{})
}

func (m *Main) personSkillsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderSkills(w, r, v, r.PathValue("id"), http.StatusOK, views.SkillsView{})
}

func (m *Main) renderSkills(w http.ResponseWriter, r *http.Request, v *viewer, person string, code int, form views.SkillsView) {
	rec, err := rpc.Do(r.Context(), m.nc, skillsapi.OpRecordGet, v.caller(),
		events.SkillRecordRequest{Person: person, AsOf: r.URL.Query().Get("as_of")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	cat, err := rpc.Do(r.Context(), m.nc, skillsapi.OpSkillsList, v.caller(), events.None{})
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
	m.levelForm(w, r, v, skillsapi.OpRecordAssess)
}

func (m *Main) verifyForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.levelForm(w, r, v, skillsapi.OpRecordVerify)
}

func (m *Main) levelForm(w http.ResponseWriter, r *http.Request, v *viewer, op levelOp) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	person := r.PathValue("id")
	f := views.SkillForm{Skill: r.PostFormValue("skill"), Level: r.PostFormValue("level"), Note: r.PostFormValue("note")}
	_, err := rpc.Do(r.Context(), m.nc, op, v.caller(),
		events.SkillLevelRequest{Person: person, Skill: f.Skill, Level: formLevel(r), Note: f.Note})
	var e *events.Error
	if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeNotFound) {
		f.Fields, f.Error = e.Fields, e.Message
		if f.Fields == nil && e.Code == events.CodeNotFound {
			f.Fields = map[string]string{"skill": e.Message}
		}
		sv := views.SkillsView{}
		if op == skillsapi.OpRecordAssess {
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
	_, err := rpc.Do(r.Context(), m.nc, skillsapi.OpRecordCertify, v.caller(), events.SkillCertifyRequest{
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
	t, err := rpc.Call[events.SkillReport](r.Context(), m.nc, m.skillsOp(events.OpReportMatrix), v.caller(), q)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	tv := views.TeamMatrixView{Team: q.Team, AsOf: q.AsOf, CanVerify: q.AsOf == "", Pager: pagerFor(r, offsetInfo(q.Limit, t.Offset, t.Total), len(t.Matrix))}
	for _, s := range t.Skills {
		tv.Skills = append(tv.Skills, views.Option{Value: s.ID, Label: s.Name})
	}
	if t.Totals != nil {
		tv.Holders = t.Totals.Holders
	}
	for _, row := range t.Matrix {
		mr := views.MatrixRow{Person: row.Person, Name: row.Name}
		for i, c := range row.Cells {
			mr.Cells = append(mr.Cells, views.MatrixCell{Skill: t.Skills[i].ID, Level: c.Level, Claimed: c.Claimed, Source: c.Source})
		}
		tv.Rows = append(tv.Rows, mr)
	}
	if v.May(identityapi.EveryTeam) {
		tv.Teams, _ = m.teamOptions(r, v) // without the list the filter still works
	}
	m.render(w, r, http.StatusOK, views.TeamMatrixPage(m.pageFor(r, "Team skills"), tv))
}

func (m *Main) importPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.May(identityapi.SkillImport) {
		m.fail(w, r, events.Errorf(events.CodeForbidden, "only HR and admins may import a skills framework"))
		return
	}
	m.render(w, r, http.StatusOK, views.ImportPage(m.pageFor(r, "Import skills framework"), views.ImportView{}))
}

func (m *Main) importUpload(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.May(identityapi.SkillImport) { // before reading a 6 MiB upload for nothing
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
	reply, err := rpc.Do(r.Context(), m.nc, skillsapi.OpSkillsImport, v.caller(),
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
