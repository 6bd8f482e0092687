package jsonlex

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSkipMatchesEncodingJSONValidity(t *testing.T) {
	cases := []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e+10`, `"a"`,
		`{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00"}`,
		`{"a":1,}`, `[1,]`, `{,}`, `01`, `1.`, `1e`, `-`, `"\x"`, `"abc`, `{"a"}`, `{"a":}`,
		`[1 2]`, `tru`, `nul`, "\"a\tb\"", `{"a":1}}`, `"\ud800"`, ` [ ] `,
	}
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			l := New([]byte(c))
			_, err := l.Skip()
			if err == nil {
				err = l.End()
			}
			require.Equal(t, json.Valid([]byte(c)), err == nil, "lexer err=%v", err)
		})
	}
}

func TestStringDecodingMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		`"plain"`, `"esc\"aped\\\/\b\f\n\r\t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00"`,
		`"\ud800x"`, `"\udc00"`, "\"bad\xffutf8\"", "\"caf\xc3\xa9\"", `"\ud83d\u0041"`,
	}
	for _, c := range cases {
		var want string
		require.NoError(t, json.Unmarshal([]byte(c), &want))
		got, isNull, err := New([]byte(c)).String()
		require.NoError(t, err)
		require.False(t, isNull)
		require.Equal(t, want, got, c)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "abc", "a\"b\\c", "<tag>&", "\x00\x1f\n\r\t", "é中😀", "bad\xff", "\u2028\u2029"} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(AppendString(nil, s)))
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	_, err := New([]byte(deep)).Skip()
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Contains(t, se.Msg, "nesting")
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	_, err = New([]byte(ok)).Skip()
	require.NoError(t, err)
}

func TestBOMIsSkipped(t *testing.T) {
	s, _, err := New([]byte("\xEF\xBB\xBF\"x\"")).String()
	require.NoError(t, err)
	require.Equal(t, "x", s)
}

func FuzzSkip(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":"c"}]}`, `"\ud83d\ude00"`, `[1e5,-0.5,true,null]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := New(data)
		_, err := l.Skip()
		if err == nil {
			err = l.End()
		}
		// The lexer must agree with encoding/json on validity (BOM aside).
		if len(data) >= 3 && string(data[:3]) == "\xEF\xBB\xBF" {
			return
		}
		if json.Valid(data) != (err == nil) {
			t.Fatalf("validity mismatch for %q: lexer err=%v", data, err)
		}
	})
}
