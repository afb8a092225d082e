using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>Everything `bnnc compile` produces for one network: the blob, the C# tables and the report.</summary>
public sealed record ModelArtifacts(CompiledModel Model, byte[] Blob, string TablesSource, ModelReport Report, string ClassName)
{
    public const string BlobFileName = "model.bnn";
    public const string ReportMarkdownFileName = "report.md";
    public const string ReportJsonFileName = "report.json";

    public uint ModelHash => BlobWriter.ModelHash(Blob);

    public string TablesFileName => ClassName + ".g.cs";

    public static ModelArtifacts Build(BnnNetwork network, string namespaceName, string className)
    {
        CompiledModel model = ModelCompiler.Compile(network);
        byte[] blob = BlobWriter.Write(model);
        string tables = CSharpTablesWriter.Write(model, blob, namespaceName, className);
        return new ModelArtifacts(model, blob, tables, ModelReport.Build(blob), className);
    }

    /// <summary>Writes model.bnn, the .g.cs and report.md/json; refuses before writing anything if one exists.</summary>
    public void WriteTo(OutputFolder folder, EvaluationResult? evaluation, string? dataName)
    {
        folder.EnsureWritable(BlobFileName, TablesFileName, ReportMarkdownFileName, ReportJsonFileName);
        folder.Write(BlobFileName, Blob);
        folder.Write(TablesFileName, TablesSource);
        folder.Write(ReportMarkdownFileName, ReportWriter.Markdown(ClassName, Model, Report, ModelHash, evaluation, dataName));
        folder.Write(ReportJsonFileName, ReportWriter.Json(Model, Report, ModelHash, evaluation, dataName));
    }
}
