package events

import (
	"sort"
	"strconv"
	"strings"
)

// Lists that grow with the organisation travel a page at a time: no reply between
// services carries the whole organisation. A request embeds Page; its reply embeds
// PageInfo. The cursor is opaque to callers (today the position of the first row).
const (
	DefaultLimit = 50   // rows per page when the caller names none
	MaxLimit     = 200  // the most rows a page shown to people or API clients holds
	MaxPageRows  = 1000 // the most rows any one reply between services holds (exports)
)

// Page asks for one page of a list: up to Limit rows (0: DefaultLimit; at most
// MaxPageRows) from Cursor (empty: the first page; else a previous reply's Next). Query,
// where a list supports it, keeps only rows whose name or e-mail contains it (any case).
type Page struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Query  string `json:"q,omitempty"`
}

// PageInfo tells a caller how many rows match in all and where the next and previous
// pages start (empty: there is none).
type PageInfo struct {
	Total int    `json:"total"`
	Next  string `json:"next,omitempty"`
	Prev  string `json:"prev,omitempty"`
	// First is the 0-based position of the page's first row, for "showing 51–100".
	First int `json:"first"`
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxPageRows:
		return MaxPageRows
	}
	return p.Limit
}

// Bounds returns the rows [from, to) of a list of total rows that this page holds and the
// reply's PageInfo. A cursor that is not one this package made is CodeBadRequest.
func (p Page) Bounds(total int) (from, to int, info PageInfo, err error) {
	limit := p.limit()
	if p.Cursor != "" {
		from, err = strconv.Atoi(p.Cursor)
		if err != nil || from < 0 {
			return 0, 0, PageInfo{}, &Error{Code: CodeInvalid, Message: "cursor is not one a list gave", Fields: map[string]string{"cursor": "is not one a list gave"}}
		}
	}
	from = min(from, total)
	to = min(from+limit, total)
	info.Total, info.First = total, from
	if to < total {
		info.Next = strconv.Itoa(to)
	}
	if from > 0 {
		info.Prev = strconv.Itoa(max(from-limit, 0))
	}
	return from, to, info, nil
}

// Matches reports whether the page's Query is empty or found, ignoring case, in any of
// fields.
func (p Page) Matches(fields ...string) bool {
	q := strings.TrimSpace(p.Query)
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// PageOf returns the rows of items this page holds, with the reply's PageInfo.
func PageOf[T any](p Page, items []T) ([]T, PageInfo, error) {
	from, to, info, err := p.Bounds(len(items))
	if err != nil {
		return nil, PageInfo{}, err
	}
	return append(make([]T, 0, to-from), items[from:to]...), info, nil
}

// PageBy returns the page of items, which are sorted by key (unique, ascending), with
// cursors that name the rows they follow or precede rather than a position: paging on
// while rows are added or removed elsewhere in the list neither repeats nor skips a row
// that stays. Cursors of PageBy and of Bounds are not interchangeable.
func PageBy[T any](p Page, items []T, key func(T) string) ([]T, PageInfo, error) {
	limit, total := p.limit(), len(items)
	from, to := 0, min(limit, total)
	if p.Cursor != "" {
		k, after, err := p.cursor()
		if err != nil {
			return nil, PageInfo{}, err
		}
		if after {
			from = sort.Search(total, func(i int) bool { return key(items[i]) > k })
			to = min(from+limit, total)
		} else {
			to = sort.Search(total, func(i int) bool { return key(items[i]) >= k })
			from = max(to-limit, 0)
		}
	}
	info := PageInfo{Total: total, First: from}
	if to < total && to > 0 {
		info.Next = cursorAfter(key(items[to-1]))
	}
	if from > 0 && from < total {
		info.Prev = cursorBefore(key(items[from]))
	}
	return append(make([]T, 0, to-from), items[from:to]...), info, nil
}
