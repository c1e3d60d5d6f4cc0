package web

import (
	"context"
	"net/http"
	"time"

	"onramp.dev/events"
	"onramp.dev/views"
)

// The date format is a person's setting, kept by notify with their time zone
// (events.NotifySettings.DateFormat). Pages need it on every render, so web keeps a copy
// in a cookie, written when the person signs in, opens or saves their settings; a page
// never waits for notify to learn it.
const cookieDates = "__Host-onramp-dates"

// dateFormatLabels name the choices on the settings page.
var dateFormatLabels = map[string]string{
	events.DateFormatGB:  "Thu 3 Dec 2026, 14:05 (UK)",
	events.DateFormatUS:  "Thu, Dec 3, 2026, 2:05 PM (US)",
	events.DateFormatISO: "Year first, 24-hour (ISO 8601)",
}

// dateStyles are the views' layouts for each choice.
var dateStyles = map[string]views.DateStyle{
	events.DateFormatGB: views.DatesGB, events.DateFormatUS: views.DatesUS, events.DateFormatISO: views.DatesISO,
}

// setDateFormat keeps the person's choice for the pages (a year; the default needs none,
// so a browser holding an earlier choice has it cleared).
func setDateFormat(w http.ResponseWriter, r *http.Request, format string) {
	if _, ok := dateStyles[format]; !ok || format == events.DateFormatGB {
		if dateFormatOf(r) == "" {
			return
		}
		http.SetCookie(w, &http.Cookie{Name: cookieDates, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return
	}
	setCookie(w, cookieDates, format, time.Now().AddDate(1, 0, 0))
}

// dateFormatOf is the format the request's browser keeps ("" if none).
func dateFormatOf(r *http.Request) string {
	if c, err := r.Cookie(cookieDates); err == nil {
		return c.Value
	}
	return ""
}

// withDateFormat returns ctx rendering dates in format (en-GB when unknown).
func withDateFormat(ctx context.Context, format string) context.Context {
	if s, ok := dateStyles[format]; ok {
		return views.WithDateStyle(ctx, s)
	}
	return ctx
}
