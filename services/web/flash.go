package web

import (
	"encoding/base64"
	"net/http"
)

// cookieFlash carries a one-line confirmation ("Check-in logged.") across the redirect
// that follows a form (POST, redirect, GET): the next page shows it once.
const cookieFlash = "__Host-onramp-flash"

// maxFlash bounds a flash message.
const maxFlash = 300

// setFlash makes the next page show msg once.
func setFlash(w http.ResponseWriter, msg string) {
	if msg == "" {
		return
	}
	if len(msg) > maxFlash {
		msg = msg[:maxFlash]
	}
	http.SetCookie(w, &http.Cookie{Name: cookieFlash, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/", MaxAge: 60, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// flashOf is the message a GET carries, or "".
func flashOf(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	c, err := r.Cookie(cookieFlash)
	if err != nil {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > maxFlash {
		return ""
	}
	return string(b)
}

// clearFlash ends a flash once a page has shown it.
func clearFlash(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(cookieFlash); err == nil && r.Method == http.MethodGet {
		http.SetCookie(w, &http.Cookie{Name: cookieFlash, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}
