package views

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// htmxConfig is the content of the htmx-config meta element.
//
//   - includeIndicatorStyles: false stops htmx injecting an inline <style>,
//     which the CSP forbids; onramp.css has the indicator styles instead.
//   - responseHandling swaps 4xx and 5xx responses too, so a boosted form
//     that comes back with 422 (field errors), 401 or an error page shows
//     that page, just as it would without JavaScript. (htmx's default is to
//     ignore them, which would leave the user looking at the old page.)
const htmxConfig = `{"includeIndicatorStyles":false,"responseHandling":[` +
	`{"code":"204","swap":false},` +
	`{"code":"[23]..","swap":true},` +
	`{"code":"[45]..","swap":true,"error":true}]}`

// fullTitle is the document title: "<title> · Onramp", or "Onramp".
func fullTitle(title string) string {
	if title == "" {
		return "Onramp"
	}
	return title + " · Onramp"
}

// titled returns p with Title set to def when p has none.
func titled(p Page, def string) Page {
	if p.Title == "" {
		p.Title = def
	}
	return p
}

// personAction is the URL of a per-person action: /people/{id}/{action}.
func personAction(id, action string) templ.SafeURL {
	return templ.SafeURL("/people/" + url.PathEscape(id) + "/" + action)
}

// statusClass is the badge class for a person's status.
func statusClass(status string) string {
	switch strings.ToLower(status) {
	case "active":
		return "badge badge-active"
	case "disabled":
		return "badge badge-disabled"
	}
	return "badge"
}

// isDisabled reports whether a person's status is "disabled".
func isDisabled(status string) bool {
	return strings.EqualFold(strings.TrimSpace(status), "disabled")
}

// errorID is the id of the error message for the input with id inputID.
func errorID(inputID string) string { return inputID + "-error" }

// fieldAttrs are the accessibility attributes of the input with id inputID:
// aria-describedby pointing at its hint (when hasHint) and error message, and
// aria-invalid when errMsg is set.
func fieldAttrs(inputID string, hasHint bool, errMsg string) templ.Attributes {
	attrs := templ.Attributes{}
	var ids []string
	if hasHint {
		ids = append(ids, hintID(inputID))
	}
	if errMsg != "" {
		ids = append(ids, errorID(inputID))
		attrs["aria-invalid"] = "true"
	}
	if len(ids) > 0 {
		attrs["aria-describedby"] = strings.Join(ids, " ")
	}
	return attrs
}

// hintID is the id of the hint for the input with id inputID.
func hintID(inputID string) string { return inputID + "-hint" }

// errorTitle is title, or the standard status text when title is empty.
func errorTitle(status int, title string) string {
	if title != "" {
		return title
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Something went wrong"
}

// errorMessage is message, or a friendly default for status.
func errorMessage(status int, message string) string {
	if message != "" {
		return message
	}
	switch status {
	case http.StatusForbidden:
		return "You don't have access to this page."
	case http.StatusNotFound:
		return "We couldn't find that page."
	}
	if status >= 500 {
		return "Something went wrong on our side. Please try again in a moment."
	}
	return "Something went wrong."
}

// parenthesized is " (s)", or "" when s is empty.
func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// peopleColumns is the number of columns in the people table, as an attribute.
func peopleColumns(actions bool) string {
	if actions {
		return "8"
	}
	return "7"
}

// itoa formats an int for an attribute.
func itoa(n int) string { return strconv.Itoa(n) }

// inSection reports whether the page at path belongs to the header section at href: "/"
// only itself, others themselves and everything under them.
func inSection(path, href string) bool {
	if href == "/" {
		return path == "/"
	}
	return path == href || strings.HasPrefix(path, href+"/")
}

// currentAttr is aria-current="page" for the header link of the page's section.
func currentAttr(path, href string) templ.Attributes {
	if inSection(path, href) {
		return templ.Attributes{"aria-current": "page"}
	}
	return nil
}

// defaultDescription is the meta description of pages that have none of their own.
const defaultDescription = "Onramp: onboarding checklists, training with quizzes, skills and mentoring for the people of an IT department."

// description is the page's meta description.
func description(p Page) string {
	if p.Description != "" {
		return p.Description
	}
	return defaultDescription
}
