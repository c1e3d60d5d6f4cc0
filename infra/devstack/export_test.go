package devstack

// Explain exposes the query plan of an _id lookup to the external tests.
var Explain = explain
