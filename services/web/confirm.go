package web

import (
	"net/http"
	"slices"

	"onramp.dev/views"
)

// confirmed reports whether the posted form carries confirm=1. When it does not, it answers
// with a page that asks c's question and posts the same form again with confirm=1, and
// reports false: a destructive action takes two deliberate steps, with or without
// JavaScript.
func (m *Main) confirmed(w http.ResponseWriter, r *http.Request, c views.Confirm) bool {
	if r.PostFormValue("confirm") == "1" {
		return true
	}
	c.Action = r.URL.Path
	names := make([]string, 0, len(r.PostForm))
	for name := range r.PostForm {
		if name != "confirm" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, val := range r.PostForm[name] {
			c.Fields = append(c.Fields, views.Option{Value: name, Label: val})
		}
	}
	m.render(w, r, http.StatusOK, views.ConfirmPage(m.pageFor(r, c.Title), c))
	return false
}
