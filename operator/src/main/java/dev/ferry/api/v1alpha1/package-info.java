/**
 * The custom resources of Ferry, API group {@code ferry.dev}, version {@code v1alpha1}.
 *
 * <p>Field descriptions are written with {@code @JsonPropertyDescription}: that is what the Fabric8
 * CRD generator turns into the schema's {@code description}, so it is what {@code kubectl explain}
 * shows. Only resource classes and their spec/status types live here; behaviour lives in the
 * capability packages.
 */
package dev.ferry.api.v1alpha1;
