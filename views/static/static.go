// Package static holds Onramp's static web assets, embedded in the binary.
//
// The web service serves them under /static/ with Handler (content-hashed names cached for
// a year, gzip), and pages link them with Path:
//
//	http.Handle("GET /static/", http.StripPrefix("/static/", static.Handler()))
//
// Files:
//
//   - onramp.css: Onramp's own stylesheet (no inline styles are ever needed).
//   - htmx.min.js: htmx 2.0.11 from the npm package htmx.org, unmodified.
//   - htmx.LICENSE: htmx's licence (Zero-Clause BSD).
//   - skills.css: the skills pages' heatmap levels and chart.
//   - live.js: refreshes elements marked data-live when their events arrive (SSE), and moves
//     focus to the new content after an htmx swap.
//   - favicon.svg: the site icon.
//
// To update htmx: npm pack htmx.org@2, extract package/dist/htmx.min.js and
// package/LICENSE, and update the version above and in the tests.
package static

import "embed"

// FS holds the static assets at its root.
//
//go:embed onramp.css skills.css htmx.min.js htmx.LICENSE live.js favicon.svg
var FS embed.FS
