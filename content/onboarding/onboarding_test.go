package onboarding

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"onramp.dev/content"
)

func TestLoadShippedTemplates(t *testing.T) {
	templates, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tracks, err := content.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	if len(templates) != len(tracks) {
		t.Errorf("got %d templates, want one per track (%d)", len(templates), len(tracks))
	}
	for _, tr := range tracks {
		tpl, ok := templates[tr.ID]
		if !ok {
			t.Errorf("no template for track %q", tr.ID)
			continue
		}
		t.Run(tr.ID, func(t *testing.T) {
			if tpl.Track != tr.ID || tpl.Version < 1 || tpl.Title == "" {
				t.Errorf("header = %q v%d %q", tpl.Track, tpl.Version, tpl.Title)
			}
			if len(tpl.Tasks) < 20 {
				t.Errorf("%d tasks, want at least 20", len(tpl.Tasks))
			}
			owners := map[string]int{}
			sections := map[string]int{}
			evidence := 0
			for _, task := range tpl.Tasks {
				owners[task.Owner]++
				sections[task.Section]++
				if task.NeedsEvidence {
					evidence++
				}
			}
			for _, o := range Owners {
				if owners[o.ID] == 0 {
					t.Errorf("no task for owner %q", o.ID)
				}
			}
			for _, s := range Sections {
				if sections[s.ID] == 0 {
					t.Errorf("no task in section %q", s.ID)
				}
			}
			if evidence == 0 {
				t.Error("no task needs evidence")
			}
		})
	}
}

// TestShippedTasksInSectionOrder keeps the files readable: tasks are listed section by
// section, in the order of Sections.
func TestShippedTasksInSectionOrder(t *testing.T) {
	templates, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{}
	for i, s := range Sections {
		order[s.ID] = i
	}
	for track, tpl := range templates {
		for i := 1; i < len(tpl.Tasks); i++ {
			if order[tpl.Tasks[i].Section] < order[tpl.Tasks[i-1].Section] {
				t.Errorf("%s: task %s (%s) listed after %s (%s)", track,
					tpl.Tasks[i].ID, tpl.Tasks[i].Section, tpl.Tasks[i-1].ID, tpl.Tasks[i-1].Section)
			}
		}
	}
}

func TestSections(t *testing.T) {
	want := []string{"pre-start", "day-1", "week-1", "month-1", "month-2", "month-3"}
	if len(Sections) != len(want) {
		t.Fatalf("got %d sections, want %d", len(Sections), len(want))
	}
	for i, id := range want {
		s := Sections[i]
		if s.ID != id || s.Name == "" || SectionName(id) != s.Name {
			t.Errorf("section %d = %+v, want id %q with a name", i, s, id)
		}
		if s.FirstDay > s.LastDay {
			t.Errorf("section %s: first day %d after last day %d", s.ID, s.FirstDay, s.LastDay)
		}
		if i > 0 && s.FirstDay != Sections[i-1].LastDay+1 {
			t.Errorf("section %s starts on day %d, want %d", s.ID, s.FirstDay, Sections[i-1].LastDay+1)
		}
	}
	if Sections[0].LastDay >= 1 || Sections[1].FirstDay != 1 || Sections[1].LastDay != 1 {
		t.Error("pre-start must end before day 1 and day-1 must be exactly day 1")
	}
	if SectionName("week-2") != "" {
		t.Error("SectionName(week-2) should be empty")
	}
	for _, o := range Owners {
		if OwnerName(o.ID) == "" {
			t.Errorf("owner %q has no name", o.ID)
		}
	}
	if OwnerName("boss") != "" {
		t.Error("OwnerName(boss) should be empty")
	}
}

func TestDueDate(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	for _, tc := range []struct {
		due  int
		want string
	}{
		{1, "2026-03-02"},
		{0, "2026-03-01"},
		{-5, "2026-02-24"},
		{7, "2026-03-08"},
		{30, "2026-03-31"},
	} {
		if got := (Task{Due: tc.due}).DueDate(start).Format(time.DateOnly); got != tc.want {
			t.Errorf("day %d: got %s, want %s", tc.due, got, tc.want)
		}
	}
}

const validTemplate = `
track: operations
version: 1
title: Test template
tasks:
  - id: order-laptop
    title: Order laptop
    description: Order it.
    owner: it
    section: pre-start
    due: -5
  - id: sign-policy
    title: Sign policy
    description: Sign it.
    owner: hire
    section: day-1
    due: 1
    needs_evidence: true
`

func TestParseValid(t *testing.T) {
	tpl, err := Parse("ops.yaml", []byte(validTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Track != "operations" || tpl.Version != 1 || len(tpl.Tasks) != 2 {
		t.Fatalf("got %+v", tpl)
	}
	want := Task{ID: "sign-policy", Title: "Sign policy", Description: "Sign it.", Owner: "hire", Section: "day-1", Due: 1, NeedsEvidence: true}
	if tpl.Tasks[1] != want {
		t.Errorf("task 2 = %+v, want %+v", tpl.Tasks[1], want)
	}
}

// task builds a one-task template, with fields overridden by the given lines.
func task(lines ...string) string {
	fields := map[string]string{
		"id": "a-task", "title": "A task", "description": "Do it.",
		"owner": "hire", "section": "week-1", "due": "3",
	}
	order := []string{"id", "title", "description", "owner", "section", "due"}
	var extra []string
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ":")
		if _, ok := fields[k]; ok {
			fields[k] = strings.TrimSpace(v)
		} else {
			extra = append(extra, l)
		}
	}
	var b strings.Builder
	b.WriteString("track: security\nversion: 1\ntitle: T\ntasks:\n")
	first := true
	for _, k := range order {
		v := fields[k]
		if v == "-" { // "-" drops the field
			continue
		}
		prefix := "    "
		if first {
			prefix = "  - "
			first = false
		}
		b.WriteString(prefix + k + ": " + v + "\n")
	}
	for _, l := range extra {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

func TestParseRejects(t *testing.T) {
	twoTasks := func(id1, id2 string) string {
		return "track: security\nversion: 1\ntitle: T\ntasks:\n" +
			"  - {id: " + id1 + ", title: A, description: D, owner: it, section: pre-start, due: -1}\n" +
			"  - {id: " + id2 + ", title: B, description: D, owner: hr, section: day-1, due: 1}\n"
	}
	for _, tc := range []struct {
		name string
		yaml string
		err  error
		msg  []string // substrings the error must contain
	}{
		{"unknown owner", task("owner: boss"), ErrUnknownOwner, []string{"t.yaml", "task 1", "a-task", `"boss"`}},
		{"unknown section", task("section: week-2"), ErrUnknownSection, []string{"task 1 (a-task)", `"week-2"`}},
		{"duplicate id", twoTasks("same", "same"), ErrDuplicateID, []string{"task 2 (same)", "first used by task 1"}},
		{"missing id", task("id: -"), ErrMissingField, []string{"task 1", ": id"}},
		{"missing title", task("title: -"), ErrMissingField, []string{"task 1 (a-task)", "title"}},
		{"blank title", task(`title: "  "`), ErrMissingField, []string{"title"}},
		{"missing description", task("description: -"), ErrMissingField, []string{"description"}},
		{"missing owner", task("owner: -"), ErrMissingField, []string{"owner"}},
		{"missing section", task("section: -"), ErrMissingField, []string{"section"}},
		{"missing due", task("due: -"), ErrMissingField, []string{"task 1 (a-task)", ": due"}},
		{"id not kebab-case", task("id: Order_Laptop"), ErrBadID, []string{"Order_Laptop"}},
		{"version zero", strings.Replace(task(), "version: 1", "version: 0", 1), ErrBadVersion, []string{"got 0"}},
		{"version missing", strings.Replace(task(), "version: 1\n", "", 1), ErrBadVersion, []string{"version"}},
		{"negative version", strings.Replace(task(), "version: 1", "version: -2", 1), ErrBadVersion, []string{"got -2"}},
		{"pre-start due on day 1", task("section: pre-start", "due: 1"), ErrDueOutOfRange, []string{"due 1", "pre-start", "days -30 to 0"}},
		{"pre-start too early", task("section: pre-start", "due: -45"), ErrDueOutOfRange, []string{"due -45"}},
		{"day-1 due day 2", task("section: day-1", "due: 2"), ErrDueOutOfRange, []string{"day-1", "days 1 to 1"}},
		{"week-1 due day 1", task("section: week-1", "due: 1"), ErrDueOutOfRange, []string{"week-1"}},
		{"week-1 due day 8", task("section: week-1", "due: 8"), ErrDueOutOfRange, []string{"due 8"}},
		{"month-1 due day 31", task("section: month-1", "due: 31"), ErrDueOutOfRange, []string{"month-1"}},
		{"month-2 due day 61", task("section: month-2", "due: 61"), ErrDueOutOfRange, []string{"month-2"}},
		{"month-3 due day 91", task("section: month-3", "due: 91"), ErrDueOutOfRange, []string{"month-3", "days 61 to 90"}},
		{"unknown track", strings.Replace(task(), "track: security", "track: astronaut", 1), ErrUnknownTrack, []string{`"astronaut"`}},
		{"missing track", strings.Replace(task(), "track: security\n", "", 1), ErrMissingField, []string{"track"}},
		{"missing template title", strings.Replace(task(), "title: T\n", "", 1), ErrMissingField, []string{"title"}},
		{"no tasks", "track: security\nversion: 1\ntitle: T\n", ErrMissingField, []string{"tasks"}},
		{"misspelt field", task("needs_evidense: true"), ErrSyntax, []string{"needs_evidense"}},
		{"unknown top-level field", "owner: hr\n" + task(), ErrSyntax, []string{"owner"}},
		{"due not a number", task("due: soon"), ErrSyntax, []string{"soon"}},
		{"due not an integer", task("due: 2.5"), ErrSyntax, []string{"2.5", "whole number"}},
		{"due empty", task("due: ~"), ErrMissingField, []string{": due"}},
		{"due quoted", task(`due: "3"`), ErrSyntax, []string{"whole number"}},
		{"version not an integer", strings.Replace(task(), "version: 1", "version: 1.5", 1), ErrSyntax, []string{"1.5"}},
		{"evidence not a boolean", task("needs_evidence: maybe"), ErrSyntax, []string{"maybe"}},
		{"repeated key", task() + "    owner: it\n", ErrSyntax, []string{"owner"}},
		{"empty file", "", ErrSyntax, []string{"empty"}},
		{"not a mapping", "- a\n- b\n", ErrSyntax, nil},
		{"two documents", task() + "---\n" + task(), ErrSyntax, []string{"more than one"}},
		{"bad YAML", "track: [security\n", ErrSyntax, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			if tc.err == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error for:\n%s", tc.yaml)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q does not wrap %q", err, tc.err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "t.yaml: ") {
				t.Errorf("error %q does not start with the file name", msg)
			}
			if !strings.Contains(msg, tc.err.Error()) {
				t.Errorf("error %q does not mention %q", msg, tc.err)
			}
			for _, s := range tc.msg {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not mention %q", msg, s)
				}
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	y := "track: security\nversion: 0\ntitle: T\ntasks:\n" +
		"  - {id: a, title: A, description: D, owner: boss, section: day-1, due: 1}\n" +
		"  - {id: b, title: B, description: D, owner: hr, section: week-9, due: 3}\n" +
		"  - {id: a, title: C, description: D, owner: it, section: month-1, due: 99}\n"
	_, err := Parse("many.yaml", []byte(y))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []error{ErrBadVersion, ErrUnknownOwner, ErrUnknownSection, ErrDuplicateID, ErrDueOutOfRange} {
		if !errors.Is(err, want) {
			t.Errorf("error does not report %q:\n%v", want, err)
		}
	}
	for _, want := range []string{"task 1 (a)", "task 2 (b)", "task 3 (a)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	// shipped returns the embedded templates as a writable map file system.
	shipped := func() fstest.MapFS {
		m := fstest.MapFS{}
		for _, tr := range []string{"infrastructure", "development", "security", "operations", "project", "service-desk"} {
			b, err := files.ReadFile(tr + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			m[tr+".yaml"] = &fstest.MapFile{Data: b}
		}
		return m
	}
	if _, err := load(shipped()); err != nil {
		t.Fatalf("shipped files: %v", err)
	}

	missing := shipped()
	delete(missing, "project.yaml")
	wrongFile := shipped()
	wrongFile["ops.yaml"] = wrongFile["operations.yaml"]
	delete(wrongFile, "operations.yaml")
	broken := shipped()
	broken["security.yaml"] = &fstest.MapFile{Data: []byte(task("owner: boss"))}

	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		err  error
		msg  []string
	}{
		{"track without template", missing, ErrMissingTemplate, []string{`"project"`, "project.yaml"}},
		{"template in the wrong file", wrongFile, ErrWrongFile, []string{"ops.yaml", "operations.yaml"}},
		{"invalid template", broken, ErrUnknownOwner, []string{"security.yaml", "task 1 (a-task)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(tc.fsys)
			if err == nil {
				t.Fatal("no error")
			}
			if got != nil {
				t.Error("templates returned with an error")
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error does not wrap %q:\n%v", tc.err, err)
			}
			for _, s := range tc.msg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error does not mention %q:\n%v", s, err)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(validTemplate))
	f.Add([]byte(task("owner: boss")))
	f.Add([]byte(task("section: month-3", "due: 91")))
	f.Add([]byte(""))
	f.Add([]byte("tasks: [{id: a, due: 1e9}]"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := Parse("fuzz.yaml", data)
		if err != nil {
			if tpl.Track != "" || tpl.Tasks != nil {
				t.Errorf("Parse returned a template with an error")
			}
			return
		}
		// A template that parses must satisfy every rule.
		if !content.IsTrack(tpl.Track) || tpl.Version < 1 || len(tpl.Tasks) == 0 {
			t.Errorf("accepted bad header %+v", tpl)
		}
		for _, task := range tpl.Tasks {
			s, ok := section(task.Section)
			if !ok || OwnerName(task.Owner) == "" || task.Due < s.FirstDay || task.Due > s.LastDay {
				t.Errorf("accepted bad task %+v", task)
			}
		}
	})
}
