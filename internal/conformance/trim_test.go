package conformance_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/conformance"
)

// excerptPath is the committed excerpt of the v1.0 metadata.
const excerptPath = "testdata/backuprestore-v1.0.xml"

// excerpt reads and parses the committed excerpt.
func excerpt(t *testing.T) ([]byte, *conformance.Schema) {
	t.Helper()
	b, err := os.ReadFile(excerptPath)
	require.NoError(t, err)
	s, err := conformance.Parse(b)
	require.NoError(t, err)
	return b, s
}

// The excerpt is closed: trimming it gives it back byte for byte, so it
// holds everything reachable from backupRestoreRoot and nothing else, and
// it names its source.
func TestExcerptIsClosed(t *testing.T) {
	b, _ := excerpt(t)
	again, err := conformance.Trim(b)
	require.NoError(t, err)
	require.Equal(t, string(b), string(again))
	require.Contains(t, string(b), conformance.Source)
	require.Contains(t, conformance.Source, "f54f11b6")
}

// Trim on a small document: derived entity types are reached, derived
// complex types and unrelated types are not; operations bound to a
// reached type or its base come along, those bound to entity do not; a
// missing type fails.
func TestTrim(t *testing.T) {
	doc := `<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="color">
        <Member Name="red" Value="0" />
      </EnumType>
      <EnumType Name="unused">
        <Member Name="x" Value="0" />
      </EnumType>
      <ComplexType Name="box">
        <Property Name="color" Type="graph.color" />
      </ComplexType>
      <ComplexType Name="bigBox" BaseType="graph.box" />
      <EntityType Name="entity" Abstract="true">
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="solutionsRoot">
        <NavigationProperty Name="backupRestore" Type="graph.backupRestoreRoot" ContainsTarget="true" />
        <NavigationProperty Name="other" Type="graph.other" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="backupRestoreRoot" BaseType="graph.entity">
        <Property Name="box" Type="graph.box" />
        <NavigationProperty Name="things" Type="Collection(graph.thingBase)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="thingBase" BaseType="graph.entity" Abstract="true" />
      <EntityType Name="redThing" BaseType="graph.thingBase" />
      <EntityType Name="other" BaseType="graph.entity" />
      <Action Name="paint" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.thingBase" />
      </Action>
      <Action Name="touch" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.entity" />
      </Action>
      <EntityContainer Name="GraphService">
        <Singleton Name="other" Type="microsoft.graph.other">
          <NavigationPropertyBinding Path="x" Target="y" />
        </Singleton>
        <Singleton Name="solutions" Type="microsoft.graph.solutionsRoot">
          <NavigationPropertyBinding Path="backupRestore/things/a" Target="b" />
          <NavigationPropertyBinding Path="other/c" Target="d" />
        </Singleton>
      </EntityContainer>
      <Annotations Target="microsoft.graph.redThing/id">
        <Annotation Term="Core.Description" String="kept" />
      </Annotations>
      <Annotations Target="microsoft.graph.other">
        <Annotation Term="Core.Description" String="dropped" />
      </Annotations>
    </Schema></edmx:DataServices></edmx:Edmx>`
	out, err := conformance.Trim([]byte(doc))
	require.NoError(t, err)
	got := string(out)
	for _, want := range []string{`Name="color"`, `Name="box"`, `Name="entity"`, `Name="backupRestoreRoot"`, `Name="thingBase"`,
		`Name="redThing"`, `Name="paint"`, `Path="backupRestore/things/a"`, `String="kept"`, `Name="backupRestore" Type`} {
		require.Contains(t, got, want)
	}
	for _, not := range []string{`Name="unused"`, `Name="bigBox"`, `EntityType Name="other"`, `Name="touch"`, `Path="other/c"`, `Path="x"`,
		`String="dropped"`, `NavigationProperty Name="other"`} {
		require.NotContains(t, got, not)
	}
	again, err := conformance.Trim(out)
	require.NoError(t, err)
	require.Equal(t, got, string(again))

	_, err = conformance.Trim([]byte(strings.Replace(doc, `Type="graph.color"`, `Type="graph.nowhere"`, 1)))
	require.ErrorContains(t, err, "microsoft.graph.nowhere")
	_, err = conformance.Trim([]byte("<not xml"))
	require.Error(t, err)
}

// The excerpt's size, pinned: a regenerated excerpt that changes it shows
// up here (and in the conformance counts the tests log).
func TestExcerptCounts(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	entities, complexes, props, navs, enums, members := 0, 0, 0, 0, 0, 0
	for _, typ := range s.Types {
		if typ.Entity {
			entities++
		} else {
			complexes++
		}
		props += len(typ.Properties)
		navs += len(typ.Navigations)
	}
	for _, e := range s.Enums {
		enums++
		members += len(e.Members)
	}
	got := map[string]int{"entity types": entities, "complex types": complexes, "properties": props, "navigation properties": navs,
		"enum types": enums, "enum members": members, "bound operations": len(s.Operations), "paths": len(s.Paths())}
	t.Logf("excerpt: %v", got)
	require.Equal(t, map[string]int{"entity types": 41, "complex types": 16, "properties": 178, "navigation properties": 46,
		"enum types": 23, "enum members": 111, "bound operations": 13, "paths": 280}, got)
}
