package views_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"onramp.dev/views"
	"onramp.dev/views/static"
)

func trainingPages() map[string]templ.Component {
	in := views.Page{Title: "T", User: hr}
	mod := views.TrainingModule{ID: "m1", Title: "Backups", Summary: "S", Minutes: 30, PassMark: 75, MaxAttempts: 3, Read: 1, Total: 2,
		Lessons: []views.TrainingLessonLink{{ID: "l1", Title: "One", Read: true, Current: true}, {ID: "l2", Title: "Two"}},
		Status:  "in_progress", StatusLabel: "in progress", AttemptsLeft: 3, Enrolled: true, CanAttempt: true,
		LessonID: "l1", LessonTitle: "One", LessonHTML: "<p>Lesson <strong>text</strong></p>", Next: &views.TrainingLessonLink{ID: "l2", Title: "Two"}}
	item := views.TrainingItem{Module: "m1", Title: "Backups", Status: "overdue", StatusLabel: "overdue", Due: "2026-11-01", Score: "—",
		Person: "p1", Name: "<Ann>", Team: "platform", CanGrant: true}
	return map[string]templ.Component{
		"mine":   views.TrainingMinePage(in, views.TrainingMine{Items: []views.TrainingItem{item}, Catalogue: []views.TrainingModuleCard{{ID: "m2", Title: "Other"}}, TeamLink: true, ReportLink: true}),
		"module": views.TrainingModulePage(in, mod),
		"lesson": views.TrainingLessonPage(in, mod),
		"quiz": views.TrainingQuizPage(in, views.TrainingQuiz{Module: "m1", Title: "Backups", PassMark: 75, AttemptsLeft: 2, Error: "Answer at least one question.",
			Questions: []views.TrainingQuestion{{ID: "q1", Text: "Q?", Choices: []views.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}, Chosen: []string{"b"}},
				{ID: "q2", Text: "Many?", Multiple: true, Choices: []views.Option{{Value: "a", Label: "A"}}}}}),
		"result": views.TrainingResultPage(in, views.TrainingResult{Module: "m1", Title: "Backups", Score: 50, PassMark: 75, Attempt: 1, AttemptsLeft: 2,
			Questions: []views.TrainingResultQuestion{{Text: "Q?", Chosen: []string{"A"}, Explanation: "Because."}}}),
		"team": views.TrainingTeamPage(in, views.TrainingTeam{Team: "platform", Self: "/training/team?team=platform", Rows: []views.TrainingItem{item},
			Modules: []views.Option{{Value: "m1", Label: "Backups"}}, People: []views.Option{{Value: "p1", Label: "Ann"}}, Tracks: []views.Option{{Value: "t", Label: "T"}},
			Teams: []views.Option{{Value: "platform", Label: "platform"}}, Form: views.TrainingAssignForm{Error: "x", Fields: map[string]string{"due": "past", "target": "one"}}}),
		"report": views.TrainingReportPage(in, views.TrainingReport{CSV: "/training/report.csv?", Rows: []views.TrainingItem{item},
			ByModule: []views.TrainingCount{{Key: "m1", Label: "Backups", Assigned: 2, Passed: 1, Overdue: 1}}}),
	}
}

// The training pages follow the same rules as every page: no inline styles or scripts,
// unique ids, classes from onramp.css, escaped text; only the lesson's HTML (sanitised by
// goldmark in the content package) is inserted raw.
func TestTrainingPages(t *testing.T) {
	css, err := fs.ReadFile(static.FS, "onramp.css")
	if err != nil {
		t.Fatal(err)
	}
	styled := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.([a-zA-Z][\w-]*)`).FindAllStringSubmatch(string(css), -1) {
		styled[m[1]] = true
	}
	for name, c := range trainingPages() {
		t.Run(name, func(t *testing.T) {
			html, doc := render(t, c)
			if strings.Contains(html, "<Ann>") {
				t.Error("a name is not escaped")
			}
			if doc.Find("style, script:not([src])").Length() != 0 {
				t.Error("inline style or script")
			}
			ids := map[string]bool{}
			doc.Find("*").Each(func(_ int, s *goquery.Selection) {
				for _, a := range s.Nodes[0].Attr {
					switch {
					case a.Key == "style", strings.HasPrefix(a.Key, "on"):
						t.Errorf("<%s %s>", goquery.NodeName(s), a.Key)
					case a.Key == "id" && ids[a.Val]:
						t.Errorf("duplicate id %s", a.Val)
					case a.Key == "id":
						ids[a.Val] = true
					case a.Key == "class":
						for _, class := range strings.Fields(a.Val) {
							if !styled[class] {
								t.Errorf("class %q is not in onramp.css", class)
							}
						}
					}
				}
			})
		})
	}
	_, doc := render(t, trainingPages()["lesson"])
	if doc.Find("#lesson strong").Text() != "text" {
		t.Error("the lesson's HTML is not rendered")
	}
	_, doc = render(t, trainingPages()["quiz"])
	if doc.Find(`input[type=radio][name=q1]`).Length() != 2 || doc.Find(`input[type=checkbox][name=q2]`).Length() != 1 || doc.Find(`#q-q1-b[checked]`).Length() != 1 {
		t.Error("quiz inputs")
	}
}
