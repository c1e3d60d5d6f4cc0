package web

import (
	"net/http"
	"strconv"
	"strings"

	"onramp.dev/events"
	"onramp.dev/views"
)

// Every list that grows with the organisation is shown a page at a time: ?limit= rows
// (default 50, at most 200) from ?cursor= (a previous page's next), searched with ?q=.

// listPage reads a list request's ?limit=, ?cursor= and ?q=.
func listPage(r *http.Request) (events.Page, error) {
	q := r.URL.Query()
	p := events.Page{Cursor: q.Get("cursor"), Query: strings.TrimSpace(q.Get("q")), Limit: events.DefaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, &events.Error{Code: events.CodeInvalid, Message: "limit must be a whole number from 1 to 200",
				Fields: map[string]string{"limit": "must be a whole number from 1 to 200"}}
		}
		p.Limit = min(n, events.MaxLimit)
	}
	if len(p.Query) > 200 {
		return p, &events.Error{Code: events.CodeInvalid, Message: "q is too long", Fields: map[string]string{"q": "must be at most 200 characters"}}
	}
	return p, nil
}

// pagerFor returns the links under a page of shown rows: the same URL with every filter,
// at the previous and next cursors.
func pagerFor(r *http.Request, info events.PageInfo, shown int) views.Pager {
	return pagerAt(r, "cursor", info, shown)
}

// pagerAt is pagerFor for a page with several paged lists, each with its own cursor
// parameter.
func pagerAt(r *http.Request, param string, info events.PageInfo, shown int) views.Pager {
	pg := views.Pager{From: info.First + 1, To: info.First + shown, Total: info.Total}
	at := func(cursor string) string {
		q := r.URL.Query()
		q.Del(param)
		if cursor != "" {
			q.Set(param, cursor)
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if info.Prev != "" {
		pg.Prev = at(info.Prev)
	}
	if info.Next != "" {
		pg.Next = at(info.Next)
	}
	return pg
}

// offsetPage reads a list request for a list whose cursors are positions (the skills
// reports), returning the page and the position it starts at.
func offsetPage(r *http.Request) (events.Page, int, error) {
	page, err := listPage(r)
	if err != nil {
		return page, 0, err
	}
	if _, _, _, err := page.Bounds(0); err != nil {
		return page, 0, err
	}
	offset, _ := strconv.Atoi(page.Cursor)
	return page, offset, nil
}

// offsetInfo is the PageInfo of limit rows from offset among total.
func offsetInfo(limit, offset, total int) events.PageInfo {
	_, _, info, _ := events.Page{Limit: limit, Cursor: strconv.Itoa(offset)}.Bounds(total)
	return info
}

// selfURL is the request's path and query: where a live page re-fetches itself.
func selfURL(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.Path
	}
	return r.URL.Path + "?" + r.URL.RawQuery
}
