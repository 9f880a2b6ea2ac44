package dev.ferry.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How smoke-test compares outputs ({@link InferOutputs}) and computes p95 ({@link SmokeTestResult}). */
class SmokeTestOutputsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  private static String mismatch(String expected, String response) throws Exception {
    return InferOutputs.mismatch(json(expected), json(response), 1e-6);
  }

  @Test
  void numbersMatchWithinToleranceRelativeForLargeValues() throws Exception {
    String got = "{'outputs':[{'name':'y','datatype':'FP64','shape':[3],'data':[0.5,1000000.5,-2]}]}";
    assertThat(mismatch("{'outputs':[{'name':'y','data':[0.5000004,1000000.0,-2]}]}", got)).isNull();
    assertThat(mismatch("{'outputs':[{'name':'y','data':[0.500002,1000000.5,-2]}]}", got))
        .isEqualTo("output 'y'[0] = 0.5, expected 0.500002 (tolerance 1.0E-6)");
    assertThat(mismatch("{'outputs':[{'name':'y','data':[0,0,0]}]}", got))
        .isEqualTo("output 'y'[0] = 0.5, expected 0 (tolerance 1.0E-6); 3 of 3 values differ");
  }

  @Test
  void aRegressorsOutputsMatchWithinItsOwnAbsoluteOrRelativeTolerance() throws Exception {
    String got = "{'outputs':[{'name':'price','datatype':'FP64','shape':[2],'data':[151000, 98000]}]}";
    assertThat(mismatch("{'outputs':[{'name':'price','data':[150000, 100000],'absoluteTolerance':2500}]}", got))
        .isNull();
    assertThat(mismatch("{'outputs':[{'name':'price','data':[150000, 100000],'absoluteTolerance':1500}]}", got))
        .isEqualTo("output 'price'[1] = 98000, expected 100000 (absoluteTolerance 1500.0)");
    assertThat(mismatch("{'outputs':[{'name':'price','data':[150000, 100000],'relativeTolerance':0.05}]}", got))
        .isNull();
    assertThat(mismatch("{'outputs':[{'name':'price','data':[150000, 100000],'relativeTolerance':0.01}]}", got))
        .isEqualTo("output 'price'[1] = 98000, expected 100000 (relativeTolerance 0.01)");
    // Both: the larger allowance wins, so a value near zero is not held to a relative bound of nothing.
    assertThat(mismatch("{'outputs':[{'name':'price','data':[150000, 100000],'absoluteTolerance':1000,"
        + "'relativeTolerance':0.03}]}", got)).isNull();
  }

  @Test
  void aRangeOrASetOfAllowedValuesHoldsForEveryValue() throws Exception {
    String got = "{'outputs':[{'name':'price','data':[151000, 98000]},{'name':'label','data':['low','high']}]}";
    assertThat(mismatch("{'outputs':[{'name':'price','range':{'min':0,'max':1000000}},"
        + "{'name':'label','oneOf':['low','mid','high']}]}", got)).isNull();
    assertThat(mismatch("{'outputs':[{'name':'price','range':{'min':100000}}]}", got))
        .isEqualTo("output 'price'[1] = 98000, outside the range [100000, ]");
    assertThat(mismatch("{'outputs':[{'name':'label','oneOf':['low','mid']}]}", got))
        .isEqualTo("output 'label'[1] = \"high\", not one of [\"low\",\"mid\"]");
    assertThat(mismatch("{'outputs':[{'name':'price','range':{'max':1e6},'data':[151000, 98000]}]}", got)).isNull();
  }

  @Test
  void stringsBooleansAndNullsMatchExactly() throws Exception {
    String got = "{'outputs':[{'name':'label','datatype':'BYTES','shape':[3],'data':['yes','no',null]},"
        + "{'name':'flag','datatype':'BOOL','shape':[1],'data':[true]}]}";
    assertThat(mismatch("{'outputs':[{'name':'label','data':['yes','no',null]},{'name':'flag','data':[true]}]}", got))
        .isNull();
    assertThat(mismatch("{'outputs':[{'name':'label','data':['yes','No',null]}]}", got))
        .isEqualTo("output 'label'[1] = \"no\", expected \"No\"");
    assertThat(mismatch("{'outputs':[{'name':'flag','data':[false]}]}", got))
        .isEqualTo("output 'flag'[0] = true, expected false");
    assertThat(mismatch("{'outputs':[{'name':'label','data':[1,'no',null]}]}", got))
        .startsWith("output 'label'[0] = \"yes\", expected 1");
  }

  @Test
  void nestedDataIsComparedRowMajorAndShapeAndDatatypeWhenGiven() throws Exception {
    String got = "{'outputs':[{'name':'m','datatype':'FP32','shape':[2,2],'data':[[1,2],[3,4]]}]}";
    assertThat(mismatch("{'outputs':[{'name':'m','data':[1,2,3,4]}]}", got)).isNull();
    assertThat(mismatch("{'outputs':[{'name':'m','shape':[4],'data':[1,2,3,4]}]}", got))
        .isEqualTo("output 'm' has shape [2,2], expected [4]");
    assertThat(mismatch("{'outputs':[{'name':'m','datatype':'FP64','data':[1,2,3,4]}]}", got))
        .isEqualTo("output 'm' has datatype FP32, expected FP64");
    assertThat(mismatch("{'outputs':[{'name':'m','data':[1,2,3]}]}", got))
        .isEqualTo("output 'm' has 4 values, expected 3");
  }

  @Test
  void aMissingOutputNamesTheOnesThereAre() throws Exception {
    assertThat(mismatch("{'outputs':[{'name':'p','data':[1]}]}", "{'outputs':[{'name':'a','data':[1]},"
        + "{'name':'b','data':[1]}]}")).isEqualTo("output 'p' is missing (the response has a, b)");
    assertThat(mismatch("{'outputs':[{'name':'p','data':[1]}]}", "{'outputs':[]}"))
        .isEqualTo("output 'p' is missing (the response has no outputs)");
  }

  @Test
  void extraOutputsAndFieldsAreIgnored() throws Exception {
    assertThat(mismatch("{'model_name':'x','outputs':[{'name':'p','data':[1]}]}",
        "{'id':'1','outputs':[{'name':'p','data':[1]},{'name':'q','data':[2]}]}")).isNull();
  }

  @Test
  void p95IsTheNearestRank() {
    assertThat(SmokeTestResult.p95(List.of())).isNull();
    assertThat(SmokeTestResult.p95(List.of(7.0))).isEqualTo(7.0);
    List<Double> twenty = new java.util.ArrayList<>();
    for (int i = 20; i >= 1; i--) {
      twenty.add((double) i);
    }
    assertThat(SmokeTestResult.p95(twenty)).isEqualTo(19.0);
    assertThat(SmokeTestResult.p95(twenty.subList(0, 10))).as("11..20: rank 10").isEqualTo(20.0);
    assertThat(SmokeTestResult.p95(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0))).isEqualTo(6.0);
  }

  @Test
  void aHugeMessageIsShortenedToFit() {
    SmokeTestResult r = new SmokeTestResult(1, 1, 3.0, false, List.of(new SmokeTestResult.Failure("a.json", "x")),
        "é".repeat(5000));
    byte[] bytes = r.toJson(SmokeTestResult.LIMIT);
    assertThat(bytes.length).isLessThanOrEqualTo(4096).isGreaterThan(4000);
    assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).endsWith("...\"}");
  }
}
