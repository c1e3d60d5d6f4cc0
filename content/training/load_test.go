package training

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadFSValid(t *testing.T) {
	mods, err := LoadFS(moduleFS(t, "sample", validModule(), lessonFiles()))
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 {
		t.Fatalf("got %d modules, want 1", len(mods))
	}
	m := mods[0]
	if m.ID != "sample" || len(m.Lessons) != 2 || len(m.Quiz.Questions) != 5 {
		t.Fatalf("unexpected module %+v", m)
	}
	l := m.Lessons[0]
	if !strings.Contains(l.Markdown, "[the next lesson](02-more.md)") {
		t.Errorf("Markdown not kept as written: %q", l.Markdown)
	}
	// Sibling links point at the lesson id, fragments survive, headings get ids.
	for _, want := range []string{`href="more"`, `href="#start"`, `<h2 id="start">Start</h2>`, "<li>one</li>"} {
		if !strings.Contains(l.HTML, want) {
			t.Errorf("lesson HTML lacks %q:\n%s", want, l.HTML)
		}
	}
	if !strings.Contains(m.Lessons[1].HTML, `href="intro#start"`) {
		t.Errorf("./01-intro.md#start not rewritten:\n%s", m.Lessons[1].HTML)
	}
}

func TestLoadFSSortsAndRejectsDuplicates(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, id := range []string{"zeta", "alpha", "mid"} {
		m := validModule()
		m.ID = id
		for k, v := range moduleFS(t, id, m, lessonFiles()) {
			fsys[k] = v
		}
	}
	fsys["modules/README.md"] = &fstest.MapFile{Data: []byte("not a module")}
	mods, err := LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range mods {
		ids = append(ids, m.ID)
	}
	if got := strings.Join(ids, ","); got != "alpha,mid,zeta" {
		t.Errorf("order = %s, want alpha,mid,zeta", got)
	}

	// Two folders declaring the same id: the second one fails the folder-name rule,
	// and duplicates are therefore impossible to ship silently.
	m := validModule()
	m.ID = "alpha"
	for k, v := range moduleFS(t, "alpha-copy", m, lessonFiles()) {
		fsys[k] = v
	}
	if _, err := LoadFS(fsys); err == nil || !strings.Contains(err.Error(), `differs from its folder name "alpha-copy"`) {
		t.Errorf("err = %v, want folder-name mismatch", err)
	}
}

func TestLoadFSEmptyTree(t *testing.T) {
	if _, err := LoadFS(fstest.MapFS{}); err == nil {
		t.Error("LoadFS(empty) = nil error")
	}
	if _, err := LoadFS(fstest.MapFS{"modules/x.txt": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "no module folders") {
		t.Errorf("err = %v, want no module folders", err)
	}
	if _, err := LoadFS(fstest.MapFS{"modules/empty/notes.md": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "module.yaml") {
		t.Errorf("err = %v, want missing module.yaml", err)
	}
}

// TestValidation runs one case per validation rule: each starts from a valid
// module, breaks one thing, and expects LoadFS to fail naming the module and the
// problem.
func TestValidation(t *testing.T) {
	type tc struct {
		name   string
		module func(*Module)           // breaks the module before it is marshalled
		files  func(map[string]string) // breaks the lesson files
		raw    func([]byte) []byte     // breaks the marshalled module.yaml
		want   string                  // substring of the error
	}
	cases := []tc{
		{name: "missing id", module: func(m *Module) { m.ID = "" }, want: "module: id is required"},
		{name: "id not kebab", module: func(m *Module) { m.ID = "Sample_Module" }, want: "not kebab-case"},
		{name: "id differs from folder", module: func(m *Module) { m.ID = "other" }, want: `differs from its folder name "sample"`},
		{name: "missing title", module: func(m *Module) { m.Title = " " }, want: "title is required"},
		{name: "missing summary", module: func(m *Module) { m.Summary = "" }, want: "summary is required"},
		{name: "minutes zero", module: func(m *Module) { m.Minutes = 0 }, want: "minutes 0 must be at least 1"},
		{name: "pass mark 0", module: func(m *Module) { m.PassMark = 0 }, want: "pass_mark 0 is outside 1..100"},
		{name: "pass mark 101", module: func(m *Module) { m.PassMark = 101 }, want: "pass_mark 101 is outside 1..100"},
		{name: "max attempts 0", module: func(m *Module) { m.MaxAttempts = 0 }, want: "max_attempts 0 must be at least 1"},
		{name: "no tracks", module: func(m *Module) { m.Tracks = nil }, want: "at least one track"},
		{name: "unknown track", module: func(m *Module) { m.Tracks = []string{"astronaut"} }, want: `unknown track "astronaut"`},
		{name: "duplicate track", module: func(m *Module) { m.Tracks = []string{"project", "project"} }, want: `"project" listed twice`},
		{name: "no skills", module: func(m *Module) { m.Skills = nil }, want: "at least one skill"},
		{name: "skill level 0", module: func(m *Module) { m.Skills[0].Level = 0 }, want: "level 0 is outside 1..7"},
		{name: "skill level 8", module: func(m *Module) { m.Skills[0].Level = 8 }, want: "level 8 is outside 1..7"},
		{name: "skill id not kebab", module: func(m *Module) { m.Skills[0].Skill = "Trouble Shooting" }, want: "not kebab-case"},
		{name: "duplicate skill", module: func(m *Module) { m.Skills = append(m.Skills, m.Skills[0]) }, want: `"troubleshooting" listed twice`},
		{name: "no lessons", module: func(m *Module) { m.Lessons = nil }, want: "at least one lesson"},
		{name: "duplicate lesson id", module: func(m *Module) { m.Lessons[1].ID = "intro" }, want: `duplicate lesson id "intro"`},
		{name: "lesson without title", module: func(m *Module) { m.Lessons[0].Title = "" }, want: `lesson "intro": title is required`},
		{name: "lesson without file", module: func(m *Module) { m.Lessons[0].File = "" }, want: "file is required"},
		{name: "lesson file outside folder", module: func(m *Module) { m.Lessons[0].File = "../other/01-intro.md" }, want: "must be a .md file name"},
		{name: "lesson file not markdown", module: func(m *Module) { m.Lessons[0].File = "01-intro.txt" }, want: "must be a .md file name"},
		{name: "lesson file shared", module: func(m *Module) { m.Lessons[1].File = "01-intro.md" }, want: "is used by another lesson"},
		{name: "lesson file missing", files: func(f map[string]string) { delete(f, "02-more.md") }, want: `lesson "more": file "02-more.md"`},
		{name: "lesson file empty", files: func(f map[string]string) { f["02-more.md"] = " \n\t\n" }, want: `"02-more.md" is empty`},
		{name: "broken relative link", files: func(f map[string]string) { f["01-intro.md"] = "See [restore](03-restore.md)." }, want: `link "03-restore.md"`},
		{name: "link into another folder", files: func(f map[string]string) { f["01-intro.md"] = "See [x](../other/02-more.md)." }, want: "is not a lesson file of this module"},
		{name: "reference link broken", files: func(f map[string]string) { f["01-intro.md"] = "See [x][ref].\n\n[ref]: missing.md\n" }, want: `link "missing.md"`},
		{name: "link to http", files: func(f map[string]string) { f["01-intro.md"] = "See [x](http://example.com)." }, want: `scheme "http" not allowed`},
		{name: "javascript link", files: func(f map[string]string) { f["01-intro.md"] = "See [x](javascript:alert(1))." }, want: `scheme "javascript" not allowed`},
		{name: "scheme-relative link", files: func(f map[string]string) { f["01-intro.md"] = "See [x](//evil.example/a)." }, want: "scheme-relative"},
		{name: "bare http autolink", files: func(f map[string]string) { f["01-intro.md"] = "See <http://example.com>." }, want: "https://"},
		{name: "relative image", files: func(f map[string]string) { f["01-intro.md"] = "![diagram](diagram.png)" }, want: "images must be absolute https"},
		{name: "too few questions", module: func(m *Module) { m.Quiz.Questions = m.Quiz.Questions[:4] }, want: "has 4 questions, at least 5"},
		{name: "duplicate question id", module: func(m *Module) { m.Quiz.Questions[1].ID = "q1" }, want: `duplicate question id "q1"`},
		{name: "question without id", module: func(m *Module) { m.Quiz.Questions[0].ID = "" }, want: "questions[0]: id is required"},
		{name: "question without text", module: func(m *Module) { m.Quiz.Questions[0].Text = "" }, want: `question "q1": text is required`},
		{name: "question without explanation", module: func(m *Module) { m.Quiz.Questions[0].Explanation = "" }, want: `question "q1": explanation is required`},
		{name: "unknown kind", module: func(m *Module) { m.Quiz.Questions[0].Kind = "essay" }, want: `kind "essay" is neither`},
		{name: "missing kind", module: func(m *Module) { m.Quiz.Questions[0].Kind = "" }, want: "kind is required"},
		{name: "single with no correct answer", module: func(m *Module) { m.Quiz.Questions[0].Choices[0].Correct = false }, want: "exactly one correct choice, has 0"},
		{name: "single with two correct answers", module: func(m *Module) { m.Quiz.Questions[0].Choices[1].Correct = true }, want: "exactly one correct choice, has 2"},
		{name: "multiple with no correct answer", module: func(m *Module) {
			for i := range m.Quiz.Questions[4].Choices {
				m.Quiz.Questions[4].Choices[i].Correct = false
			}
		}, want: "needs at least one correct choice"},
		{name: "single with one choice", module: func(m *Module) { m.Quiz.Questions[0].Choices = m.Quiz.Questions[0].Choices[:1] }, want: "has 1 choices, at least 2"},
		{name: "multiple with one choice", module: func(m *Module) { m.Quiz.Questions[4].Choices = m.Quiz.Questions[4].Choices[:1] }, want: "has 1 choices, at least 2"},
		{name: "duplicate choice id", module: func(m *Module) { m.Quiz.Questions[0].Choices[1].ID = "a" }, want: `duplicate choice id "a"`},
		{name: "choice without text", module: func(m *Module) { m.Quiz.Questions[0].Choices[1].Text = "" }, want: `choice "b": text is required`},
		{name: "choice id not kebab", module: func(m *Module) { m.Quiz.Questions[0].Choices[1].ID = "B!" }, want: "not kebab-case"},
		{name: "unknown field", raw: func(b []byte) []byte { return append(b, "colour: blue\n"...) }, want: "field colour not found"},
		{name: "unknown nested field", raw: func(b []byte) []byte {
			return []byte(strings.Replace(string(b), "kind: single", "kind: single\n          weight: 2", 1))
		}, want: "field weight not found"},
		{name: "markdown field in yaml", raw: func(b []byte) []byte {
			return []byte(strings.Replace(string(b), "file: 01-intro.md", "file: 01-intro.md\n      markdown: inline", 1))
		}, want: "field markdown not found"},
		{name: "wrong type", raw: func(b []byte) []byte {
			return []byte(strings.Replace(string(b), "minutes: 10", "minutes: ten", 1))
		}, want: "cannot unmarshal"},
		{name: "empty file", raw: func([]byte) []byte { return nil }, want: "file is empty"},
		{name: "two documents", raw: func(b []byte) []byte { return append(append(b, "---\n"...), b...) }, want: "more than one YAML document"},
		{name: "too large", raw: func(b []byte) []byte { return append(b, make([]byte, maxModuleYAML)...) }, want: "more than the"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := validModule()
			if c.module != nil {
				c.module(&m)
			}
			files := lessonFiles()
			if c.files != nil {
				c.files(files)
			}
			fsys := moduleFS(t, "sample", m, files)
			if c.raw != nil {
				f := fsys["modules/sample/module.yaml"]
				f.Data = c.raw(f.Data)
			}
			mods, err := LoadFS(fsys)
			if err == nil {
				t.Fatalf("LoadFS succeeded with %d modules, want error containing %q", len(mods), c.want)
			}
			if mods != nil {
				t.Errorf("LoadFS returned modules along with an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Errorf("error does not mention %q:\n%s", c.want, msg)
			}
			if !strings.Contains(msg, `"sample"`) && !strings.Contains(msg, "modules/sample") {
				t.Errorf("error does not name the module:\n%s", msg)
			}
		})
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	m := validModule()
	m.PassMark = 0
	m.Tracks = []string{"astronaut"}
	m.Quiz.Questions[2].ID = "q1"
	_, err := LoadFS(moduleFS(t, "sample", m, lessonFiles()))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"pass_mark 0", `unknown track "astronaut"`, `duplicate question id "q1"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("joined error lacks %q:\n%v", want, err)
		}
	}
}

func TestRawHTMLIsNotPassedThrough(t *testing.T) {
	files := lessonFiles()
	files["01-intro.md"] = "## Title\n\n<script>alert('x')</script>\n\nText with <img src=x onerror=alert(1)> inline and <b>bold</b>.\n\n" +
		"<div onclick=\"steal()\">block</div>\n\nCode: `<script>` stays text.\n"
	mods, err := LoadFS(moduleFS(t, "sample", validModule(), files))
	if err != nil {
		t.Fatal(err)
	}
	html := mods[0].Lessons[0].HTML
	for _, bad := range []string{"<script", "<img", "onerror", "<b>", "<div", "onclick"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "<code>&lt;script&gt;</code>") {
		t.Errorf("code span not escaped:\n%s", html)
	}
}

func TestTablesRender(t *testing.T) {
	files := lessonFiles()
	files["02-more.md"] = "| a | b |\n|---|---|\n| 1 | 2 |\n"
	mods, err := LoadFS(moduleFS(t, "sample", validModule(), files))
	if err != nil {
		t.Fatal(err)
	}
	if html := mods[0].Lessons[1].HTML; !strings.Contains(html, "<table>") || !strings.Contains(html, "<td>2</td>") {
		t.Errorf("GFM table not rendered:\n%s", html)
	}
}

func TestTableAlignmentNeedsNoStyleAttribute(t *testing.T) {
	var b strings.Builder
	if err := markdown.Convert([]byte("| a | b |\n|:--|--:|\n| 1 | 2 |\n"), &b); err != nil {
		t.Fatal(err)
	}
	if html := b.String(); strings.Contains(html, "style=") || !strings.Contains(html, `align="right"`) {
		t.Fatalf("aligned table rendered as %s", html)
	}
}
