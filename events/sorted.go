package events

import (
	"encoding/base64"
	"slices"
	"sort"
	"strings"
)

// Sorted is an ordered set kept as a read model applies events, so a page of a list that
// grows with the organisation costs a page (and a walk over the set's chunks), not a sort
// of every row. Rows are kept in chunks of at most sortedChunk: adding or removing one
// moves at most a chunk, and a row's position is found by counting the chunks before it.
// It is not safe for concurrent writes; concurrent reads are fine.
type Sorted[T any] struct {
	cmp    func(a, b T) int
	chunks [][]T // each sorted and non-empty, in order
	n      int
}

const sortedChunk = 512

// NewSorted returns an empty set ordered by cmp (0: the same row).
func NewSorted[T any](cmp func(a, b T) int) *Sorted[T] { return &Sorted[T]{cmp: cmp} }

// Len is the number of rows.
func (s *Sorted[T]) Len() int { return s.n }

// chunk is the index of the first chunk whose last row is not below v (the last chunk
// when v is above every row).
func (s *Sorted[T]) chunk(v T) int {
	i := sort.Search(len(s.chunks), func(i int) bool { c := s.chunks[i]; return s.cmp(c[len(c)-1], v) >= 0 })
	return min(i, len(s.chunks)-1)
}

// Add adds v; it reports false when v was there already.
func (s *Sorted[T]) Add(v T) bool {
	if len(s.chunks) == 0 {
		s.chunks = [][]T{{v}}
		s.n++
		return true
	}
	ci := s.chunk(v)
	c := s.chunks[ci]
	i, found := slices.BinarySearchFunc(c, v, s.cmp)
	if found {
		return false
	}
	c = slices.Insert(c, i, v)
	if len(c) > sortedChunk { // split in two halves, each in an array of its own size
		half := len(c) / 2
		tail := slices.Clone(c[half:])
		c = slices.Clone(c[:half])
		s.chunks = slices.Insert(s.chunks, ci+1, tail)
	}
	s.chunks[ci] = c
	s.n++
	return true
}

// Remove removes v; it reports false when v was not there.
func (s *Sorted[T]) Remove(v T) bool {
	if len(s.chunks) == 0 {
		return false
	}
	ci := s.chunk(v)
	c := s.chunks[ci]
	i, found := slices.BinarySearchFunc(c, v, s.cmp)
	if !found {
		return false
	}
	c = slices.Delete(c, i, i+1)
	if len(c) == 0 {
		s.chunks = slices.Delete(s.chunks, ci, ci+1)
	} else {
		s.chunks[ci] = c
	}
	s.n--
	return true
}

// rank is the number of rows for which below is true; below must be true for a prefix of
// the order.
func (s *Sorted[T]) rank(below func(T) bool) int {
	n := 0
	for _, c := range s.chunks {
		if below(c[len(c)-1]) {
			n += len(c)
			continue
		}
		return n + sort.Search(len(c), func(i int) bool { return !below(c[i]) })
	}
	return n
}

// RankFunc is the number of rows for which below is true; below must be true for a
// prefix of the order (e.g. "due before a date").
func (s *Sorted[T]) RankFunc(below func(T) bool) int { return s.rank(below) }

// Rank is the number of rows below v.
func (s *Sorted[T]) Rank(v T) int { return s.rank(func(x T) bool { return s.cmp(x, v) < 0 }) }

// Range returns up to n rows from position from, in order.
func (s *Sorted[T]) Range(from, n int) []T {
	var out []T
	for _, c := range s.chunks {
		if len(out) == n {
			break
		}
		if from >= len(c) {
			from -= len(c)
			continue
		}
		take := min(n-len(out), len(c)-from)
		out = append(out, c[from:from+take]...)
		from = 0
	}
	return out
}

// All returns every row in order.
func (s *Sorted[T]) All() []T { return s.Range(0, s.n) }

// cursor decodes a PageBy cursor: after (true) or before the row with key k.
func (p Page) cursor() (k string, after bool, err error) {
	dir, enc, ok := strings.Cut(p.Cursor, ":")
	raw, derr := base64.RawURLEncoding.DecodeString(enc)
	if !ok || derr != nil || (dir != "a" && dir != "b") {
		return "", false, &Error{Code: CodeInvalid, Message: "cursor is not one a list gave", Fields: map[string]string{"cursor": "is not one a list gave"}}
	}
	return string(raw), dir == "a", nil
}

func cursorAfter(k string) string  { return "a:" + base64.RawURLEncoding.EncodeToString([]byte(k)) }
func cursorBefore(k string) string { return "b:" + base64.RawURLEncoding.EncodeToString([]byte(k)) }

// PageSorted returns the page of the union of sets — disjoint, in the same order, and key
// (unique) ascending in that order — exactly as PageBy would over the union sorted: the
// same rows, PageInfo and cursors. It reads at most a page from each set.
func PageSorted[T any](p Page, key func(T) string, sets ...*Sorted[T]) ([]T, PageInfo, error) {
	limit, total := p.limit(), 0
	for _, s := range sets {
		total += s.Len()
	}
	var k string
	after, first := true, 0
	if p.Cursor != "" {
		var err error
		if k, after, err = p.cursor(); err != nil {
			return nil, PageInfo{}, err
		}
	}
	var rows []T
	var cmp func(a, b T) int
	for _, s := range sets {
		cmp = s.cmp
		switch {
		case p.Cursor == "":
			rows = append(rows, s.Range(0, limit)...)
		case after:
			from := s.rank(func(x T) bool { return key(x) <= k })
			first += from
			rows = append(rows, s.Range(from, limit)...)
		default:
			to := s.rank(func(x T) bool { return key(x) < k })
			first += to
			rows = append(rows, s.Range(max(to-limit, 0), min(to, limit))...)
		}
	}
	if len(sets) > 1 { // one set's range is in order already
		slices.SortFunc(rows, cmp)
	}
	if after {
		rows = rows[:min(limit, len(rows))]
	} else {
		rows = rows[max(len(rows)-limit, 0):]
		first -= len(rows)
	}
	info := PageInfo{Total: total, First: first}
	if to := first + len(rows); to < total && to > 0 {
		info.Next = cursorAfter(key(rows[len(rows)-1]))
	}
	if first > 0 && first < total {
		info.Prev = cursorBefore(key(rows[0]))
	}
	return rows, info, nil
}
