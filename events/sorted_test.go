package events

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A union of Sorted sets, changed at random, pages exactly like PageBy over the same rows
// sorted: every page forwards and backwards from every cursor, with the same PageInfo.
func TestPageSortedAgreesWithPageBy(t *testing.T) {
	tests := []struct {
		name        string
		sets, rows  int
		limit, ops  int
		removeEvery int
	}{
		{"empty", 2, 0, 3, 0, 0},
		{"one set, one chunk", 1, 40, 7, 200, 3},
		{"three sets, many chunks", 3, 3000, 50, 6000, 4},
		{"page bigger than everything", 2, 30, 200, 60, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tt.rows)))
			sets := make([]*Sorted[string], tt.sets)
			for i := range sets {
				sets[i] = NewSorted(strings.Compare)
			}
			want := map[string]int{} // row → its set
			for range tt.ops {
				k := fmt.Sprintf("%05d", r.IntN(max(tt.rows, 1)))
				if si, ok := want[k]; ok && r.IntN(tt.removeEvery) == 0 {
					if !sets[si].Remove(k) {
						t.Fatalf("remove %s: not there", k)
					}
					delete(want, k)
					continue
				}
				if _, ok := want[k]; ok {
					continue
				}
				si := r.IntN(tt.sets)
				if !sets[si].Add(k) || sets[si].Add(k) {
					t.Fatalf("add %s: not added once", k)
				}
				want[k] = si
			}
			var all []string
			for k := range want {
				all = append(all, k)
			}
			slices.Sort(all)
			id := func(s string) string { return s }
			var union []string
			for _, s := range sets {
				union = append(union, s.All()...)
				if s.Rank("02000") != len(slices.DeleteFunc(slices.Clone(s.All()), func(x string) bool { return x >= "02000" })) {
					t.Fatal("Rank differs from a count")
				}
			}
			slices.Sort(union)
			if !slices.Equal(union, all) {
				t.Fatalf("sets hold %d rows, want %d", len(union), len(all))
			}
			check := func(p Page) PageInfo {
				t.Helper()
				got, gi, err := PageSorted(p, id, sets...)
				if err != nil {
					t.Fatal(err)
				}
				exp, ei, err := PageBy(p, all, id)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, exp) || gi != ei {
					t.Fatalf("page %+v: %v %+v, PageBy %v %+v", p, got, gi, exp, ei)
				}
				return gi
			}
			seen := 0
			for p := (Page{Limit: tt.limit}); ; {
				info := check(p)
				if info.Prev != "" {
					check(Page{Limit: tt.limit, Cursor: info.Prev})
				}
				seen = info.First + min(tt.limit, info.Total-info.First)
				if info.Next == "" {
					break
				}
				p.Cursor = info.Next
			}
			if seen != len(all) {
				t.Fatalf("paged through %d of %d", seen, len(all))
			}
			if _, _, err := PageSorted(Page{Cursor: "x"}, id, sets...); err == nil {
				t.Fatal("a made-up cursor accepted")
			}
		})
	}
}
