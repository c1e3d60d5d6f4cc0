package skills

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseImportValid(t *testing.T) {
	want := []Skill{
		{ID: "PROG", Name: "Programming", Category: "Development", MinLevel: 2, MaxLevel: 6, Description: "Writes code."},
		{ID: "net-2", Name: "Networks, advanced", Category: "Infrastructure", MinLevel: 3, MaxLevel: 7},
	}
	for _, tc := range []struct {
		name, file, data string
	}{
		{"csv", "framework.csv",
			"code,name,category,min_level,max_level,description\n" +
				"PROG,Programming,Development,2,6,Writes code.\n" +
				`net-2,"Networks, advanced",Infrastructure,3,7,` + "\n"},
		{"csv columns in another order, mixed-case headers, CRLF and BOM", "Framework.CSV",
			"\uFEFFMax_Level, Description ,CODE,Name,Category,Min Level\r\n" +
				"6,Writes code.,PROG,Programming,Development,2\r\n" +
				"\r\n" +
				",,,,,\r\n" +
				"7,,net-2,\"Networks, advanced\",Infrastructure,3\r\n"},
		{"csv without description column", "f.csv",
			"code,name,category,min_level,max_level\n" +
				"PROG,Programming,Development,2,6\n" +
				"net-2,\"Networks, advanced\",Infrastructure,3,7\n"},
		{"csv with semicolons and spaces around values", "f.csv",
			"code;name;category;min_level;max_level;description\n" +
				" PROG ; Programming ;Development; 2 ;6;Writes code.\n" +
				"net-2;Networks, advanced;Infrastructure;3;7;\n"},
		{"yaml", "framework.yaml", `
- code: PROG
  name: Programming
  category: Development
  min_level: 2
  max_level: 6
  description: Writes code.
- {code: net-2, name: "Networks, advanced", category: Infrastructure, min_level: "3", max_level: 7, description: ~}
`},
		{"yml with upper-case keys", "framework.YML", `
- CODE: PROG
  Name: Programming
  Category: Development
  Min_Level: 2
  Max_Level: 6
  Description: Writes code.
- code: net-2
  name: Networks, advanced
  category: Infrastructure
  min_level: 3
  max_level: 7
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseImport(tc.file, []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if tc.name == "csv without description column" {
				w = []Skill{want[0], want[1]}
				w[0].Description = ""
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
		})
	}
}

// problemLines returns the line numbers of an *ImportError, failing the test if err is
// not one.
func problemLines(t *testing.T, err error) []int {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *ImportError", err, err)
	}
	lines := make([]int, len(ie.Problems))
	for i, p := range ie.Problems {
		lines[i] = p.Line
	}
	return lines
}

func TestParseImportRejects(t *testing.T) {
	const header = "code,name,category,min_level,max_level,description\n"
	for _, tc := range []struct {
		name, file, data string
		problems         []Problem // Message is matched as a substring
	}{
		{"unsupported extension", "framework.xlsx", "whatever",
			[]Problem{{0, "", "unsupported file type"}}},
		{"no extension", "framework", header + "a,b,c,1,2,d\n",
			[]Problem{{0, "", "unsupported file type"}}},
		{"empty csv", "f.csv", "",
			[]Problem{{0, "", "file is empty"}}},
		{"header only", "f.csv", header,
			[]Problem{{0, "", "no skills"}}},
		{"missing column", "f.csv", "code,name,min_level,max_level\nA,B,1,2\n",
			[]Problem{{1, "category", "missing column"}}},
		{"unknown column", "f.csv", "code,name,category,min_level,max_level,level\nA,B,C,1,2,3\n",
			[]Problem{{1, "level", "unknown column"}}},
		{"duplicate column", "f.csv", "code,name,Name,category,min_level,max_level\nA,B,B,C,1,2\n",
			[]Problem{{1, "name", "more than once"}}},
		{"unnamed column", "f.csv", "code,name,category,min_level,max_level,\nA,B,C,1,2,\n",
			[]Problem{{1, "", "column 6 has no name"}}},
		{"missing code", "f.csv", header + ",Name,Cat,1,2,\n",
			[]Problem{{2, "code", "required"}}},
		{"code with spaces", "f.csv", header + "my code,Name,Cat,1,2,\n",
			[]Problem{{2, "code", "without spaces"}}},
		{"code with underscore", "f.csv", header + "my_code,Name,Cat,1,2,\n",
			[]Problem{{2, "code", "letters, digits and single hyphens"}}},
		{"code too long", "f.csv", header + strings.Repeat("a", 65) + ",Name,Cat,1,2,\n",
			[]Problem{{2, "code", "65 characters"}}},
		{"duplicate code ignoring case", "f.csv", header + "ABC,Name,Cat,1,2,\nabc,Other,Cat,1,2,\n",
			[]Problem{{3, "code", "first on line 2"}}},
		{"missing name", "f.csv", header + "A, ,Cat,1,2,\n",
			[]Problem{{2, "name", "required"}}},
		{"missing category", "f.csv", header + "A,Name,,1,2,\n",
			[]Problem{{2, "category", "required"}}},
		{"level not a number", "f.csv", header + "A,Name,Cat,one,2,\n",
			[]Problem{{2, "min_level", `"one"`}}},
		{"level zero", "f.csv", header + "A,Name,Cat,0,2,\n",
			[]Problem{{2, "min_level", "1 to 7"}}},
		{"level eight", "f.csv", header + "A,Name,Cat,1,8,\n",
			[]Problem{{2, "max_level", "1 to 7"}}},
		{"level fraction", "f.csv", header + "A,Name,Cat,1,2.5,\n",
			[]Problem{{2, "max_level", `"2.5"`}}},
		{"level missing", "f.csv", header + "A,Name,Cat,,2,\n",
			[]Problem{{2, "min_level", "required"}}},
		{"min above max", "f.csv", header + "A,Name,Cat,5,3,\n",
			[]Problem{{2, "max_level", "below min_level 5"}}},
		{"short row", "f.csv", header + "A,Name,Cat,1\n",
			[]Problem{{2, "", "4 fields but the header has 6"}}},
		{"bad quoting", "f.csv", header + "A,Na\"me,Cat,1,2,\nB,Name,Cat,1,2,\n",
			[]Problem{{2, "", "quote"}}},
		{"multi-line quoted field keeps the record's line", "f.csv",
			header + "A,Name,Cat,1,2,\"line one\nline two\"\nB,Name,Cat,9,2,\n",
			[]Problem{{4, "min_level", "1 to 7"}}},
		{"not UTF-8", "f.csv", header + "A,Name,Cat,1,2,\nB,N\xff,Cat,1,2,\n",
			[]Problem{{3, "", "not UTF-8"}}},
		{"too large", "f.csv", header + strings.Repeat("x", MaxImportSize),
			[]Problem{{0, "", "larger than"}}},
		{"empty yaml", "f.yaml", "# nothing here\n",
			[]Problem{{0, "", "file is empty"}}},
		{"yaml not a list", "f.yaml", "code: A\nname: B\n",
			[]Problem{{1, "", "expected a list"}}},
		{"yaml syntax error", "f.yaml", "- code: A\n  name: [B\n",
			[]Problem{{0, "", "invalid YAML"}}},
		{"yaml item not a mapping", "f.yaml", "- {code: A, name: B, category: C, min_level: 1, max_level: 2}\n- just text\n",
			[]Problem{{2, "", "must be a mapping"}}},
		{"yaml unknown key", "f.yaml", "- {code: A, name: B, category: C, min_level: 1, max_level: 2, level: 3}\n",
			[]Problem{{1, "level", "unknown key"}}},
		{"yaml nested value", "f.yaml", "- code: A\n  name: [B, C]\n  category: C\n  min_level: 1\n  max_level: 2\n",
			[]Problem{{1, "name", "single value"}}},
		{"yaml repeated key", "f.yaml", "- code: A\n  name: B\n  category: C\n  min_level: 1\n  max_level: 2\n  Name: D\n",
			[]Problem{{1, "name", "more than once"}}},
		{"yaml level fraction", "f.yaml", "- {code: A, name: B, category: C, min_level: 1.0, max_level: 2}\n",
			[]Problem{{1, "min_level", `"1.0"`}}},
		{"yaml two documents", "f.yaml", "- {code: A, name: B, category: C, min_level: 1, max_level: 2}\n---\n- {code: B}\n",
			[]Problem{{0, "", "more than one YAML document"}}},
		{"yaml empty list", "f.yaml", "[]\n",
			[]Problem{{0, "", "no skills"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skills, err := ParseImport(tc.file, []byte(tc.data))
			if err == nil {
				t.Fatalf("no error; got %+v", skills)
			}
			if skills != nil {
				t.Errorf("got skills %+v with an error", skills)
			}
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T) is not an *ImportError", err, err)
			}
			if ie.File != tc.file {
				t.Errorf("File = %q, want %q", ie.File, tc.file)
			}
			if len(ie.Problems) != len(tc.problems) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ie.Problems), len(tc.problems), err)
			}
			for i, want := range tc.problems {
				got := ie.Problems[i]
				if want.Line != 0 && got.Line != want.Line || got.Field != want.Field || !strings.Contains(got.Message, want.Message) {
					t.Errorf("problem %d = %+v, want line %d field %q message containing %q", i, got, want.Line, want.Field, want.Message)
				}
				if !strings.Contains(err.Error(), want.Message) {
					t.Errorf("Error() does not mention %q:\n%s", want.Message, err)
				}
			}
		})
	}
}

func TestParseImportCollectsEveryProblem(t *testing.T) {
	csvData := "code,name,category,min_level,max_level,description\n" + // 1
		"OK-1,Fine,Cat,1,3,\n" + // 2
		"bad code,Name,Cat,1,3,\n" + // 3
		"OK-2,,Cat,0,3,\n" + // 4: two problems
		"OK-3,Fine,Cat,2,5,\n" + // 5
		"ok-1,Dup,Cat,1,3,\n" + // 6
		"OK-4,Name,Cat,6,2,\n" // 7
	_, err := ParseImport("many.csv", []byte(csvData))
	if got, want := problemLines(t, err), []int{3, 4, 4, 6, 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("CSV problem lines = %v, want %v\n%v", got, want, err)
	}
	for _, s := range []string{"many.csv", "5 problems", "line 3: code:", "line 4: name: is required", "line 4: min_level:", "line 6: code:", "line 7: max_level:"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Error() does not contain %q:\n%s", s, err)
		}
	}

	yamlData := `- code: OK-1          # line 1
  name: Fine
  category: Cat
  min_level: 1
  max_level: 3
- code: bad code      # line 6
  name: Name
  category: Cat
  min_level: 1
  max_level: 3
- {code: OK-2, category: Cat, min_level: 1, max_level: 9}   # line 11: two problems
- {code: ok-1, name: Dup, category: Cat, min_level: 1, max_level: 3}   # line 12
`
	_, err = ParseImport("many.yaml", []byte(yamlData))
	if got, want := problemLines(t, err), []int{6, 11, 11, 12}; !reflect.DeepEqual(got, want) {
		t.Errorf("YAML problem lines = %v, want %v\n%v", got, want, err)
	}
}

func TestParseImportProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("code,name,category,min_level,max_level\n")
	for range MaxProblems + 100 {
		b.WriteString("x,y,z,0,1\n")
	}
	_, err := ParseImport("big.csv", []byte(b.String()))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	if len(ie.Problems) != MaxProblems+1 || !strings.Contains(ie.Problems[MaxProblems].Message, "too many problems") {
		t.Errorf("got %d problems, last %+v", len(ie.Problems), ie.Problems[len(ie.Problems)-1])
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{4, "min_level", "bad"}, "line 4: min_level: bad"},
		{Problem{4, "", "bad"}, "line 4: bad"},
		{Problem{0, "", "bad"}, "bad"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.p, got, tc.want)
		}
	}
}

func FuzzParseImport(f *testing.F) {
	f.Add("f.csv", []byte("code,name,category,min_level,max_level,description\nA,B,C,1,2,D\n"))
	f.Add("f.csv", []byte("Max_Level;CODE;Name;Category;Min Level\n6;PROG;Programming;Dev;2\n"))
	f.Add("f.csv", []byte("code,name,category,min_level,max_level\n\"A\nB\",x,y,1,9\n,\"\n"))
	f.Add("f.yaml", []byte("- {code: A, name: B, category: C, min_level: 1, max_level: 2}\n"))
	f.Add("f.yml", []byte("- &x {code: A, name: B, category: C, min_level: 1, max_level: 2}\n- *x\n- {<<: *x, code: B}\n"))
	f.Add("f.yaml", []byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		skills, err := ParseImport(name, data)
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("error %v (%T) is not an *ImportError with problems", err, err)
			}
			if skills != nil {
				t.Fatal("skills returned with an error")
			}
			_ = err.Error()
			return
		}
		if len(skills) == 0 {
			t.Fatal("no skills and no error")
		}
		seen := map[string]bool{}
		for _, s := range skills {
			k := strings.ToLower(s.ID)
			if !codePattern.MatchString(s.ID) || len(s.ID) > MaxCodeLength || seen[k] || s.Name == "" || s.Category == "" ||
				s.MinLevel < 1 || s.MaxLevel > 7 || s.MinLevel > s.MaxLevel {
				t.Fatalf("accepted invalid skill %+v", s)
			}
			seen[k] = true
		}
	})
}
