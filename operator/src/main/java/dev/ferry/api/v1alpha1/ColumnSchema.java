package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One column of a dataset schema and the rules its values follow. */
@ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max", message = "min must not exceed max")
// type is optional (default number): read it only behind has(), or a column without it fails with "no such key".
@ValidationRule(value = "!has(self.values) || (has(self.type) && self.type == 'category')", message = "values applies only to type category")
@ValidationRule(value = "(!has(self.min) && !has(self.max)) || !has(self.type) || self.type == 'number' || self.type == 'integer'",
    message = "min and max apply only to type number or integer")
public class ColumnSchema {
  @Required
  @io.fabric8.generator.annotation.Size(min = 1, max = 128)
  @JsonPropertyDescription("Column name, as in the CSV header or the JSON Lines keys; 1 to 128 characters.")
  public String name;

  @JsonPropertyDescription("Value type: number, integer, category, boolean (true/false/1/0) or string. Default number.")
  public ColumnType type = ColumnType.number;

  @JsonPropertyDescription("What the column is for: feature (default), label (the target) or id (left out of statistics).")
  public ColumnRole role = ColumnRole.feature;

  @JsonPropertyDescription("Whether the column must be present. Default true.")
  public Boolean required = true;

  @JsonPropertyDescription("Smallest allowed value (number and integer columns).")
  public Double min;

  @JsonPropertyDescription("Largest allowed value (number and integer columns).")
  public Double max;

  @JsonPropertyDescription("Allowed values of a category column.")
  public List<String> values;

  @Min(0)
  @Max(1)
  @JsonPropertyDescription("Largest allowed share of missing (empty) values, 0 to 1. Default 0: no missing values.")
  public Double maxMissing;

  public enum ColumnType {
    number, integer, category,
    /** "boolean" is a Java keyword, so the constant is renamed; the wire value stays "boolean". */
    @com.fasterxml.jackson.annotation.JsonProperty("boolean") bool,
    string
  }

  public enum ColumnRole { feature, label, id }
}
