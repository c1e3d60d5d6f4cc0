package events

import (
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

// PageInfo tells a caller how many rows match in all and where the next page starts
// (empty: this is the last page).
type PageInfo struct {
	Total int    `json:"total"`
	Next  string `json:"next,omitempty"`
}

// Bounds returns the rows [from, to) of a list of total rows that this page holds and the
// reply's PageInfo. A cursor that is not one this package made is CodeBadRequest.
func (p Page) Bounds(total int) (from, to int, info PageInfo, err error) {
	limit := p.Limit
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxPageRows:
		limit = MaxPageRows
	}
	if p.Cursor != "" {
		from, err = strconv.Atoi(p.Cursor)
		if err != nil || from < 0 {
			return 0, 0, PageInfo{}, &Error{Code: CodeInvalid, Message: "cursor is not one a list gave", Fields: map[string]string{"cursor": "is not one a list gave"}}
		}
	}
	from = min(from, total)
	to = min(from+limit, total)
	info.Total = total
	if to < total {
		info.Next = strconv.Itoa(to)
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

// Prev returns the cursor of the page before this one (empty for the first page), and
// false when this is the first page.
func (p Page) Prev() (string, bool) {
	from, _ := strconv.Atoi(p.Cursor)
	if from <= 0 {
		return "", false
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if from-limit <= 0 {
		return "", true
	}
	return strconv.Itoa(from - limit), true
}
