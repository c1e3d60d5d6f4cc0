package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// Pager is where one page of a long list sits, and the links to its neighbours. Links are
// plain URLs (with every filter kept), so paging works without JavaScript.
type Pager struct {
	// From and To are the 1-based positions of the first and last row shown; Total is
	// how many rows match in all.
	From, To, Total int
	// Prev and Next are the URLs of the neighbouring pages; empty when there is none.
	Prev, Next string
}

// Summary is for example "Showing 51–100 of 2,500".
func (p Pager) Summary() string {
	if p.Total == 0 || p.To < p.From {
		return "Nothing matches."
	}
	return "Showing " + thousands(p.From) + "–" + thousands(p.To) + " of " + thousands(p.Total)
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// boardPath is a page URL without its query.
func boardPath(self string) string {
	path, _, _ := strings.Cut(self, "?")
	return path
}

// peopleSortURL is the people list in another order, from its first page, keeping the
// search.
func peopleSortURL(query, sort string) templ.SafeURL {
	v := url.Values{}
	if query != "" {
		v.Set("q", query)
	}
	if sort != "name" {
		v.Set("sort", sort)
	}
	if len(v) == 0 {
		return "/people"
	}
	return templ.SafeURL("/people?" + v.Encode())
}

// ariaSort marks the column a list is sorted by (sort "" is by name).
func ariaSort(sort, column string) string {
	if sort == column || sort == "" && column == "name" {
		return "ascending"
	}
	return "none"
}
