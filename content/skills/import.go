package skills

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits applied by ParseImport.
const (
	// MaxImportSize is the largest file ParseImport accepts, in bytes.
	MaxImportSize = 4 << 20
	// MaxCodeLength is the longest skill code accepted, in characters.
	MaxCodeLength = 64
	// MaxNameLength bounds names and categories, in characters.
	MaxNameLength = 200
	// MaxDescriptionLength bounds descriptions, in characters.
	MaxDescriptionLength = 4000
	// MaxProblems is how many problems an ImportError lists before it gives up.
	MaxProblems = 500
)

// Column names of an import file, in the order they are usually written.
const (
	ColCode        = "code"
	ColName        = "name"
	ColCategory    = "category"
	ColMinLevel    = "min_level"
	ColMaxLevel    = "max_level"
	ColDescription = "description"
)

var (
	importColumns   = []string{ColCode, ColName, ColCategory, ColMinLevel, ColMaxLevel, ColDescription}
	requiredColumns = []string{ColCode, ColName, ColCategory, ColMinLevel, ColMaxLevel}
	codePattern     = regexp.MustCompile(`^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$`)
	yamlErrLine     = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// Problem is one thing wrong with an import file.
type Problem struct {
	// Line is the 1-based line of the file the problem is on: for CSV the line of the
	// record, for YAML the line where the list item starts. It is 0 when the problem
	// concerns the whole file.
	Line int `json:"line"`
	// Field is the column or key concerned, or "" when the problem is not about one field.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as "line 4: min_level: must be …".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ImportError lists every problem found in an import file. ParseImport returns it
// (as an error) whenever the file cannot be imported as a whole.
type ImportError struct {
	// File is the name of the file, as given to ParseImport.
	File     string    `json:"file,omitempty"`
	Problems []Problem `json:"problems"`
}

// Error lists the problems, one per line after a summary line.
func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("skills import")
	if e.File != "" {
		b.WriteString(" of " + e.File)
	}
	switch n := len(e.Problems); n {
	case 0:
		b.WriteString(" failed")
	case 1:
		b.WriteString(": 1 problem")
	default:
		fmt.Fprintf(&b, ": %d problems", n)
	}
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// problems collects Problems up to MaxProblems.
type problems struct {
	list []Problem
	full bool
}

func (ps *problems) add(line int, field, format string, args ...any) {
	if ps.full {
		return
	}
	if len(ps.list) == MaxProblems {
		ps.list = append(ps.list, Problem{Message: fmt.Sprintf("too many problems: only the first %d are listed", MaxProblems)})
		ps.full = true
		return
	}
	ps.list = append(ps.list, Problem{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// ParseImport reads an organisation's own skills framework from an uploaded file and
// returns its skills, in file order. The format follows the file name's extension:
//
//   - .csv: a header row naming the columns code, name, category, min_level, max_level
//     and optionally description (case-insensitive, in any order; spaces or hyphens in
//     a header are read as underscores), then one skill per row. Rows whose cells are
//     all empty are skipped. A header using semicolons instead of commas switches the
//     whole file to semicolons.
//   - .yaml or .yml: a list of mappings with those keys.
//
// Rules: code is required, unique within the file (ignoring case), made of letters,
// digits and single hyphens and at most 64 characters; name and category are required
// (category is free text); min_level and max_level are whole numbers from 1 to 7 with
// min_level <= max_level; description is optional. The skill's ID is its code.
//
// The file is imported whole or not at all: if anything is wrong, ParseImport returns a
// nil slice and an *ImportError listing every problem with its line number.
func ParseImport(filename string, data []byte) ([]Skill, error) {
	var ps problems
	var skills []Skill
	switch {
	case len(data) > MaxImportSize:
		ps.add(0, "", "file is larger than %d bytes", MaxImportSize)
	case !utf8.Valid(data):
		ps.add(invalidUTF8Line(data), "", "file is not UTF-8 text")
	default:
		data = bytes.TrimPrefix(data, []byte("\uFEFF")) // byte-order mark written by spreadsheets
		switch ext := strings.ToLower(filepath.Ext(filename)); ext {
		case ".csv":
			skills = parseCSV(data, &ps)
		case ".yaml", ".yml":
			skills = parseYAML(data, &ps)
		default:
			ps.add(0, "", "unsupported file type %q: use .csv, .yaml or .yml", ext)
		}
	}
	if len(ps.list) == 0 && len(skills) == 0 {
		ps.add(0, "", "file holds no skills")
	}
	if len(ps.list) > 0 {
		return nil, &ImportError{File: filename, Problems: ps.list}
	}
	return skills, nil
}

// invalidUTF8Line returns the 1-based line of the first invalid UTF-8 sequence.
func invalidUTF8Line(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}

// normColumn turns a header or key into a column name: trimmed, lower case, with spaces
// and hyphens as underscores.
func normColumn(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

func isColumn(name string) bool {
	for _, c := range importColumns {
		if c == name {
			return true
		}
	}
	return false
}

func parseCSV(data []byte, ps *problems) []Skill {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // row lengths are checked below, with a clearer message
	if first, _, _ := bytes.Cut(bytes.TrimLeft(data, "\r\n"), []byte("\n")); bytes.IndexByte(first, ',') < 0 && bytes.IndexByte(first, ';') >= 0 {
		r.Comma = ';'
	}

	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			ps.add(0, "", "file is empty: the first row must name the columns %s", strings.Join(importColumns, ", "))
		} else {
			ps.add(csvErrLine(err, 1), "", "cannot read the header row: %s", csvErrMessage(err))
		}
		return nil
	}
	headerLine, _ := r.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		name := normColumn(h)
		switch {
		case name == "":
			ps.add(headerLine, "", "column %d has no name", i+1)
		case !isColumn(name):
			ps.add(headerLine, strings.TrimSpace(h), "unknown column (expected %s)", strings.Join(importColumns, ", "))
		default:
			if _, dup := col[name]; dup {
				ps.add(headerLine, name, "column appears more than once")
				continue
			}
			col[name] = i
		}
	}
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			ps.add(headerLine, c, "missing column")
		}
	}
	if len(ps.list) > 0 {
		return nil
	}

	var skills []Skill
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				ps.add(0, "", "cannot read file: %v", err)
				break
			}
			ps.add(csvErrLine(err, 0), "", "%s", csvErrMessage(err))
			continue
		}
		line, _ := r.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if len(rec) != len(header) {
			ps.add(line, "", "row has %d fields but the header has %d", len(rec), len(header))
			continue
		}
		vals := make(map[string]string, len(col))
		for name, i := range col {
			vals[name] = rec[i]
		}
		if s, ok := checkSkill(line, vals, nil, seen, ps); ok {
			skills = append(skills, s)
		}
	}
	return skills
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvErrLine(err error, fallback int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		return pe.Line
	}
	return fallback
}

func csvErrMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func parseYAML(data []byte, ps *problems) []Skill {
	root, err := yamlRoot(data)
	if err != nil {
		line, msg := 0, err.Error()
		if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		ps.add(line, "", "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil
	}
	if root == nil {
		ps.add(0, "", "file is empty: expected a list of skills")
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		ps.add(root.Line, "", "expected a list of skills, each with %s", strings.Join(importColumns, ", "))
		return nil
	}
	var skills []Skill
	seen := map[string]int{}
	for _, item := range root.Content {
		item = deref(item)
		line := item.Line
		if item.Kind != yaml.MappingNode {
			ps.add(line, "", "each list item must be a mapping with keys %s", strings.Join(importColumns, ", "))
			continue
		}
		vals := map[string]string{}
		reported := map[string]bool{} // fields with a problem already
		ok := true
		for k := 0; k+1 < len(item.Content); k += 2 {
			key, val := deref(item.Content[k]), deref(item.Content[k+1])
			name := normColumn(key.Value)
			switch {
			case key.Kind != yaml.ScalarNode || !isColumn(name):
				ps.add(line, strings.TrimSpace(key.Value), "unknown key (expected %s)", strings.Join(importColumns, ", "))
				ok = false
				continue
			case val.Kind != yaml.ScalarNode:
				ps.add(line, name, "must be a single value, not a list or mapping")
				reported[name], ok = true, false
				continue
			}
			if _, dup := vals[name]; dup {
				ps.add(line, name, "key appears more than once")
				ok = false
				continue
			}
			if val.ShortTag() == "!!null" {
				vals[name] = ""
			} else {
				vals[name] = val.Value
			}
		}
		if s, valid := checkSkill(line, vals, reported, seen, ps); valid && ok {
			skills = append(skills, s)
		}
	}
	return skills
}

// yamlRoot parses data as a single YAML document and returns its top node, or nil for an
// empty document.
func yamlRoot(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, fmt.Errorf("yaml: line %d: the file holds more than one YAML document", max(extra.Line, 1))
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return deref(doc.Content[0]), nil
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 10; i++ {
		n = n.Alias
	}
	return n
}

// checkSkill validates one record's values (keyed by column name) and reports problems
// at line, except for the fields in reported (already reported as malformed). seen maps
// lower-cased codes to the line they were first used on.
func checkSkill(line int, vals map[string]string, reported map[string]bool, seen map[string]int, ps *problems) (Skill, bool) {
	before := len(ps.list)
	add := func(col, format string, args ...any) {
		if !reported[col] {
			ps.add(line, col, format, args...)
		}
	}
	s := Skill{
		ID:          strings.TrimSpace(vals[ColCode]),
		Name:        strings.TrimSpace(vals[ColName]),
		Category:    strings.TrimSpace(vals[ColCategory]),
		Description: strings.TrimSpace(vals[ColDescription]),
	}
	switch n := utf8.RuneCountInString(s.ID); {
	case n == 0:
		add(ColCode, "is required")
	case n > MaxCodeLength:
		add(ColCode, "is %d characters long; the limit is %d", n, MaxCodeLength)
	case !codePattern.MatchString(s.ID):
		add(ColCode, "%q must be letters, digits and single hyphens, without spaces", s.ID)
	default:
		key := strings.ToLower(s.ID)
		if first, dup := seen[key]; dup {
			add(ColCode, "%q is used more than once (first on line %d)", s.ID, first)
		} else {
			seen[key] = line
		}
	}
	for _, f := range []struct {
		col, value string
		required   bool
		limit      int
	}{
		{ColName, s.Name, true, MaxNameLength},
		{ColCategory, s.Category, true, MaxNameLength},
		{ColDescription, s.Description, false, MaxDescriptionLength},
	} {
		n := utf8.RuneCountInString(f.value)
		switch {
		case f.required && n == 0:
			add(f.col, "is required")
		case n > f.limit:
			add(f.col, "is %d characters long; the limit is %d", n, f.limit)
		}
	}
	var minOK, maxOK bool
	s.MinLevel, minOK = checkLevel(ColMinLevel, vals[ColMinLevel], add)
	s.MaxLevel, maxOK = checkLevel(ColMaxLevel, vals[ColMaxLevel], add)
	if minOK && maxOK && s.MinLevel > s.MaxLevel {
		add(ColMaxLevel, "%d is below min_level %d", s.MaxLevel, s.MinLevel)
	}
	return s, len(ps.list) == before
}

func checkLevel(col, raw string, add func(col, format string, args ...any)) (int, bool) {
	v := strings.TrimSpace(raw)
	if v == "" {
		add(col, "is required (a whole number from 1 to 7)")
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < MinLevel || n > MaxLevel {
		add(col, "must be a whole number from 1 to 7, not %q", v)
		return 0, false
	}
	return n, true
}
