package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** What a dataset must look like: its columns and how many rows it needs. */
@ValidationRule(value = "!has(self.columns) || self.columns.all(c, self.columns.exists_one(d, d.name == c.name))",
    message = "columns[].name must be unique")
public class DatasetSchema {
  @Min(0)
  @JsonPropertyDescription("Fewest data rows (header excluded) the dataset must have.")
  public Long minRows;

  // Bounded so the API server can afford the uniqueness rule above (its CEL cost grows with items squared times name length).
  @io.fabric8.generator.annotation.Size(max = 400)
  @JsonPropertyDescription("Columns the dataset must have (at most 400); extra columns are allowed and summarised.")
  public List<ColumnSchema> columns = new ArrayList<>();
}
