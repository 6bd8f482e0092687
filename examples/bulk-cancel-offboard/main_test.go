package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRunAgainstEmulator(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-units", "300", "-quiet"}, &out, strings.NewReader("")))
	s := out.String()
	require.Contains(t, s, "OUTCOME")
	require.Contains(t, s, "cancelled")
	require.Contains(t, s, "not offboarding (403 OperationNotAllowed)")
	t.Log(s)
}

func TestRealGraphNeedsBothFlags(t *testing.T) {
	var out bytes.Buffer
	require.Error(t, run(t.Context(), []string{"-tenant", "t"}, &out, strings.NewReader("")))
}
