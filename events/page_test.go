package events

import (
	"fmt"
	"slices"
	"testing"
)

func TestPageBounds(t *testing.T) {
	tests := []struct {
		name     string
		page     Page
		total    int
		from, to int
		next     string
		wantErr  bool
	}{
		{"default limit", Page{}, 120, 0, 50, "50", false},
		{"middle page", Page{Limit: 20, Cursor: "40"}, 120, 40, 60, "60", false},
		{"last page", Page{Limit: 50, Cursor: "100"}, 120, 100, 120, "", false},
		{"exact end", Page{Limit: 60, Cursor: "60"}, 120, 60, 120, "", false},
		{"past the end", Page{Cursor: "500"}, 120, 120, 120, "", false},
		{"capped", Page{Limit: 5000}, 3000, 0, MaxPageRows, "1000", false},
		{"empty list", Page{}, 0, 0, 0, "", false},
		{"bad cursor", Page{Cursor: "x"}, 10, 0, 0, "", true},
		{"negative cursor", Page{Cursor: "-1"}, 10, 0, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, info, err := tt.page.Bounds(tt.total)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				if CodeOf(err) != CodeInvalid {
					t.Fatalf("code %s", CodeOf(err))
				}
				return
			}
			if from != tt.from || to != tt.to || info.Next != tt.next || info.Total != tt.total {
				t.Fatalf("got [%d,%d) %+v", from, to, info)
			}
		})
	}
}

// Following Next from the first page visits every row once.
func TestPageOfVisitsEveryRowOnce(t *testing.T) {
	var items []int
	for i := range 1234 {
		items = append(items, i)
	}
	var seen []int
	p := Page{Limit: 100}
	for {
		rows, info, err := PageOf(p, items)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, rows...)
		if info.Next == "" {
			break
		}
		p.Cursor = info.Next
	}
	if !slices.Equal(seen, items) {
		t.Fatalf("visited %d rows, want %d in order", len(seen), len(items))
	}
	if rows, _, _ := PageOf(Page{}, []int(nil)); rows == nil {
		t.Fatal("an empty page is nil (null in JSON)")
	}
}

func TestPageMatches(t *testing.T) {
	p := Page{Query: " ANN "}
	if !p.Matches("Bob", "ann@x.org") || p.Matches("Bob", "bob@x.org") || !(Page{}).Matches("x") {
		t.Fatal("Matches")
	}
}

// Keyset cursors: people added before the cursor while paging are neither repeated nor
// make anyone be skipped; previous pages lead back to the first.
func TestPageByIsStableWhileTheListChanges(t *testing.T) {
	var items []string
	for i := range 300 {
		items = append(items, fmt.Sprintf("m%03d", i))
	}
	key := func(s string) string { return s }
	var seen []string
	p := Page{Limit: 70}
	var prevs []string
	for pages := 0; ; pages++ {
		rows, info, err := PageBy(p, items, key)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, rows...)
		if info.Prev != "" {
			prevs = append(prevs, info.Prev)
		}
		if info.Next == "" {
			break
		}
		p.Cursor = info.Next
		// Someone joins at the front of the list between pages.
		items = append([]string{fmt.Sprintf("a%03d", pages)}, items...)
	}
	var want []string
	for i := range 300 {
		want = append(want, fmt.Sprintf("m%03d", i))
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("visited %d rows: %v", len(seen), seen)
	}
	rows, info, err := PageBy(Page{Limit: 70, Cursor: prevs[0]}, items, key)
	if err != nil || len(rows) != 70 || rows[69] != "m069" {
		t.Fatalf("previous page: %v %+v %v", rows, info, err)
	}
	if _, _, err := PageBy(Page{Cursor: "x!!"}, items, key); CodeOf(err) != CodeInvalid {
		t.Fatalf("bad cursor: %v", err)
	}
}
