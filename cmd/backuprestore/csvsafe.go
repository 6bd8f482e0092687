package main

import "strings"

// CSV output is opened in spreadsheets, which take a cell that starts with
// "=", "+", "-" or "@" as a formula (OWASP's "CSV Injection"): a site named
// =HYPERLINK("http://evil","Click") would become a live link, and worse.
// Every CSV the tool writes neutralises such cells as OWASP recommends:
// a cell whose first character is one of = + - @, a tab or a carriage
// return (or a line feed, or the full-width ＝ ＋ － ＠ some spreadsheets
// also read as operators) is written with a single quote (') before it, so
// the spreadsheet shows it as text. The quote is the only change; JSON and
// JSON Lines output keep every value exactly as the service gave it, for
// programs.

// formulaTriggers are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaTriggers = "=+-@\t\r\n＝＋－＠"

// csvCell is a cell as written to CSV: neutralised when it would start a
// formula.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	for _, r := range formulaTriggers {
		if strings.HasPrefix(s, string(r)) {
			return "'" + s
		}
	}
	return s
}
