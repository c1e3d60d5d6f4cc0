package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

type skillItem struct {
	Skill   string           `json:"skill"`
	Level   int              `json:"level"`
	Target  *int             `json:"target"`
	Source  string           `json:"source"`
	Claimed *int             `json:"claimed"`
	History []map[string]any `json:"history"`
}

type skillRecord struct {
	Items []skillItem `json:"items"`
}

func findItem(r skillRecord, skill string) *skillItem {
	for i := range r.Items {
		if r.Items[i].Skill == skill {
			return &r.Items[i]
		}
	}
	return nil
}

func body(t *testing.T, resp interface{ Read([]byte) (int, error) }) []byte {
	t.Helper()
	b, err := io.ReadAll(resp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSkillsAPI(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hire, lead, hr, mentor := token(t, c, "hire@demo.onramp"), token(t, c, "lead@demo.onramp"), token(t, c, "hr@demo.onramp"), token(t, c, "mentor@demo.onramp")
	j := "application/json"

	// The catalogue, with the documented shape.
	resp := c.do(t, "GET", "/api/v1/skills", "", "", bearer(hire)...)
	cat := decodeJSON[struct {
		Items []map[string]any `json:"items"`
	}](t, resp)
	if resp.StatusCode != 200 || len(cat.Items) < 40 {
		t.Fatalf("catalogue: %d, %d items", resp.StatusCode, len(cat.Items))
	}
	for _, k := range []string{"id", "name", "category", "min_level", "max_level", "description"} {
		if _, ok := cat.Items[0][k]; !ok {
			t.Errorf("a skill lacks %q", k)
		}
	}

	// Demo data: networking verified at 2, troubleshooting claimed by self-assessment.
	resp = c.do(t, "GET", "/api/v1/people/demo-hire/skills", "", "", bearer(hire)...)
	rec := decodeJSON[skillRecord](t, resp)
	if it := findItem(rec, "networking"); it == nil || it.Level != 2 || it.Source != "verified" || it.Target == nil || len(it.History) != 1 {
		t.Fatalf("networking %+v", it)
	}
	if it := findItem(rec, "troubleshooting"); it == nil || it.Source != "self" || it.Level != 3 {
		t.Fatalf("troubleshooting %+v", it)
	}

	// Self-assessment above the verified level is claimed.
	resp = c.do(t, "POST", "/api/v1/people/demo-hire/skills/networking/assessments", j, `{"level":3,"note":"ran the lab"}`, bearer(hire)...)
	it := decodeJSON[skillItem](t, resp)
	if resp.StatusCode != 201 || it.Level != 2 || it.Claimed == nil || *it.Claimed != 3 {
		t.Fatalf("assessment: %d %+v", resp.StatusCode, it)
	}
	// Bad input.
	for _, tt := range []struct {
		name, path, body, tok string
		status                int
		field                 string
	}{
		{"level outside range", "/api/v1/people/demo-hire/skills/networking/assessments", `{"level":7}`, hire, 422, "between 1 and 6"},
		{"unknown skill", "/api/v1/people/demo-hire/skills/basket-weaving/assessments", `{"level":2}`, hire, 404, ""},
		{"assessing someone else", "/api/v1/people/demo-lead/skills/networking/assessments", `{"level":2}`, hire, 403, ""},
		{"lead of another team verifies", "/api/v1/people/demo-hire/skills/networking/verifications", `{"level":3}`, mentor, 403, ""},
		{"hire verifies themselves", "/api/v1/people/demo-hire/skills/networking/verifications", `{"level":3}`, hire, 403, ""},
		{"unknown field", "/api/v1/people/demo-hire/skills/networking/assessments", `{"level":2,"x":1}`, hire, 400, ""},
		{"import by a lead", "/api/v1/skills/import", `{"filename":"a.csv","content":"code,name,category,min_level,max_level\nA-1,A,B,1,2\n"}`, lead, 403, ""},
	} {
		resp := c.do(t, "POST", tt.path, j, tt.body, bearer(tt.tok)...)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.status)
			continue
		}
		if tt.field != "" {
			e := decodeJSON[apiError](t, resp)
			if !strings.Contains(e.Error.Fields["level"], tt.field) {
				t.Errorf("%s: fields %v", tt.name, e.Error.Fields)
			}
		}
	}
	// The lead verifies; the claim is cleared.
	resp = c.do(t, "POST", "/api/v1/people/demo-hire/skills/networking/verifications", j, `{"level":3,"note":"seen it"}`, bearer(lead)...)
	it = decodeJSON[skillItem](t, resp)
	if resp.StatusCode != 201 || it.Level != 3 || it.Source != "verified" || it.Claimed != nil {
		t.Fatalf("verification: %d %+v", resp.StatusCode, it)
	}
	// As of yesterday the record was empty.
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	resp = c.do(t, "GET", "/api/v1/people/demo-hire/skills?as_of="+yesterday, "", "", bearer(lead)...)
	past := decodeJSON[skillRecord](t, resp)
	if it := findItem(past, "networking"); resp.StatusCode != 200 || it == nil || it.Level != 0 || len(it.History) != 0 {
		t.Fatalf("as of yesterday: %d %+v", resp.StatusCode, it)
	}
	// Who sees what.
	for _, tt := range []struct {
		path, tok string
		status    int
	}{
		{"/api/v1/people/demo-hire/skills", mentor, 403},
		{"/api/v1/people/demo-lead/skills", hire, 403},
		{"/api/v1/people/demo-hire/skills", hr, 200},
		{"/api/v1/reports/skill-matrix", hire, 403},
		{"/api/v1/reports/skill-matrix", lead, 200},
		{"/api/v1/reports/skill-matrix?team=security", lead, 403},
		{"/api/v1/reports/coverage", lead, 403},
		{"/api/v1/reports/gaps", mentor, 403},
		{"/api/v1/reports/certifications", hr, 200},
		{"/api/v1/reports/coverage?format=pdf", hr, 422},
		{"/api/v1/reports/gaps?skill=nope", hr, 404},
	} {
		if resp := c.do(t, "GET", tt.path, "", "", bearer(tt.tok)...); resp.StatusCode != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
	}
	if resp := c.do(t, "GET", "/api/v1/reports/skill-matrix", "", ""); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}

	// Reports: JSON, CSV and the certification expiring soon.
	resp = c.do(t, "GET", "/api/v1/reports/certifications", "", "", bearer(hr)...)
	certs := decodeJSON[struct {
		Rows []map[string]any `json:"rows"`
	}](t, resp)
	if len(certs.Rows) != 1 || certs.Rows[0]["person"] != "demo-lead" || certs.Rows[0]["days_left"] != float64(30) {
		t.Fatalf("expiring certifications %v", certs.Rows)
	}
	resp = c.do(t, "GET", "/api/v1/reports/gaps?format=csv&team=platform", "", "", bearer(hr)...)
	raw := body(t, resp.Body)
	if !bytes.HasPrefix(raw, []byte("\uFEFF")) {
		t.Error("the CSV lacks its UTF-8 byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || rows[0][0] != "Team" || len(rows) < 5 {
		t.Fatalf("gaps csv: %v %v", rows, err)
	}
	resp = c.do(t, "GET", "/api/v1/reports/coverage", "", "", bearer(hr)...)
	cov := decodeJSON[struct {
		Rows []map[string]any `json:"rows"`
	}](t, resp)
	var flagged []any
	for _, row := range cov.Rows {
		if row["single_point_of_failure"] == true {
			flagged = append(flagged, row["skill"])
		}
	}
	if !slices.Contains(flagged, any("system-administration")) {
		t.Errorf("system administration, held at 5 by the lead only, is not flagged: %v", flagged)
	}

	// An import with a bad line is rejected whole with line numbers; a good one lands.
	bad, _ := json.Marshal(map[string]string{"filename": "org.csv", "content": "code,name,category,min_level,max_level\nORG-1,One,Tech,1,4\nORG-2,Two,Tech,9,4\n"})
	resp = c.do(t, "POST", "/api/v1/skills/import", j, string(bad), bearer(hr)...)
	e := decodeJSON[apiError](t, resp)
	if resp.StatusCode != 422 || e.Error.Fields["line 3: min_level"] == "" {
		t.Fatalf("bad import: %d %+v", resp.StatusCode, e)
	}
	good, _ := json.Marshal(map[string]string{"filename": "org.yaml", "content": "- code: ORG-1\n  name: One\n  category: Tech\n  min_level: 1\n  max_level: 4\n"})
	if resp := c.do(t, "POST", "/api/v1/skills/import", j, string(good), bearer(hr)...); resp.StatusCode != 201 {
		t.Fatalf("good import: %d", resp.StatusCode)
	}
	if resp := c.do(t, "POST", "/api/v1/people/demo-hire/skills/ORG-1/assessments", j, `{"level":2}`, bearer(hire)...); resp.StatusCode != 201 {
		t.Fatalf("assessing an imported skill: %d", resp.StatusCode)
	}
}

// The hire self-assesses in the browser, passes a module and sees the evidence appear;
// HR downloads the XLSX skill matrix, which the test opens and checks.
func TestBrowserSkillsJourney(t *testing.T) {
	p := startPortal(t)
	base := p.URL()
	hire := browser(t)
	browserLogin(t, hire, base, "hire@demo.onramp", demoPassword)
	do(t, hire,
		chromedp.Navigate(base+"/skills"),
		chromedp.WaitVisible(chromedp.ID("skill-chart")),
		chromedp.SetValue(chromedp.ID("assess-skill"), "cloud-computing"),
		chromedp.SetValue(chromedp.ID("assess-level"), "2"),
		chromedp.SendKeys(chromedp.ID("assess-note"), "built the staging VPC"),
		chromedp.Click(chromedp.ID("assess-submit")),
	)
	waitText(t, hire, `#skill-records tr[data-skill="cloud-computing"] .source`, "self")
	// Out of range: the form comes back with the message naming the range.
	do(t, hire,
		chromedp.SetValue(chromedp.ID("assess-skill"), "networking"),
		chromedp.SetValue(chromedp.ID("assess-level"), "7"),
		chromedp.Click(chromedp.ID("assess-submit")),
		chromedp.WaitVisible(chromedp.ID(`assess-level-error`)),
	)
	if msg := text(t, hire, "#assess-level-error"); !strings.Contains(msg, "between 1 and 6") {
		t.Fatalf("range message %q", msg)
	}

	// Passing a module: the evidence appears with no manual step (the page refreshes
	// itself on the event; a reload is the fallback without JavaScript).
	// The hire passes the module through the training service (as the API does for the
	// quiz page); training publishes training.module.passed, skills turns it into evidence.
	api := newClient(base)
	hireTok := token(t, api, "hire@demo.onramp")
	if resp := api.do(t, "POST", "/api/v1/training/modules/backup-and-restore/enrolment", "application/json", "{}", bearer(hireTok)...); resp.StatusCode >= 300 {
		t.Fatalf("enrol: %d", resp.StatusCode)
	}
	answers, _ := json.Marshal(map[string]any{"answers": quizAnswers(t, "backup-and-restore", true)})
	resp := api.do(t, "POST", "/api/v1/training/modules/backup-and-restore/attempts", "application/json", string(answers), bearer(hireTok)...)
	if res := decodeJSON[map[string]any](t, resp); resp.StatusCode != 200 || res["passed"] != true {
		t.Fatalf("attempt: %d %v", resp.StatusCode, res)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		do(t, hire, chromedp.Navigate(base+"/skills"), chromedp.WaitVisible(chromedp.ID("skill-records")))
		src, _ := chromedp.Run(hire, chromedp.Text(chromedp.CSS(`#skill-records tr[data-skill="storage-backup"] .source`)))
		if src == "training" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("training evidence did not appear (source %q)", src)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// HR opens the matrix report and downloads the XLSX from its link.
	hr := browser(t)
	browserLogin(t, hr, base, "hr@demo.onramp", demoPassword)
	do(t, hr,
		chromedp.Navigate(base+"/skills/reports?report=skill-matrix&team=platform"),
		chromedp.WaitVisible(chromedp.ID("report")),
	)
	link, err := chromedp.Run(hr, chromedp.AttributeValue(chromedp.ID("download-xlsx"), "href"))
	if err != nil || !link.Exists {
		t.Fatalf("download link: %v", err)
	}
	c := newClient(base)
	login(t, c, "hr@demo.onramp")
	resp = c.do(t, "GET", link.Value, "", "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("xlsx download: %d %v", resp.StatusCode, resp.Header)
	}
	f, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet != "Skill matrix" {
		t.Errorf("sheet %q, want it named after the report", sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("no column %q in %v", name, rows[0])
		}
		return i
	}
	rowAt := func(person string) int {
		for i, r := range rows[1:] {
			if r[0] == person {
				return i + 1
			}
		}
		t.Fatalf("no row for %s", person)
		return 0
	}
	cell := func(r []string, i int) string {
		if i < len(r) {
			return r[i]
		}
		return ""
	}
	// Each skill is a level (a number) and, beside it, the level's source.
	hi := rowAt("demo-hire")
	h := rows[hi]
	for name, want := range map[string][2]string{"Networking": {"2", "verified"}, "Cloud computing": {"2", "self"}, "Storage and backup": {"2", "training"}, "Troubleshooting": {"3", "self"}} {
		if got := [2]string{cell(h, col(name)), cell(h, col(name+" source"))}; got != want {
			t.Errorf("hire's %s = %q, want %q", name, got, want)
		}
		ref, _ := excelize.CoordinatesToCellName(col(name)+1, hi+1)
		if ct, _ := f.GetCellType(sheet, ref); ct == excelize.CellTypeSharedString || ct == excelize.CellTypeInlineString {
			t.Errorf("hire's %s level %s is text, not a number", name, ref)
		}
	}
	if got := [2]string{cell(rows[rowAt("demo-lead")], col("System administration")), cell(rows[rowAt("demo-lead")], col("System administration source"))}; got != [2]string{"5", "verified"} {
		t.Errorf("lead's system administration = %q", got)
	}
	if len(rows) != 3 {
		t.Errorf("team platform has %d rows, want 2 people + header", len(rows))
	}
}

// waitText polls until the element's text is want (a form post redirects and renders).
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: text %q, want %q", sel, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
