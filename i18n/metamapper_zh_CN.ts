<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>ApplyClassifierAlgorithm</name>
        <message>
            <source>  {code} = {name}: {mapped} px mapped</source>
            <translation>  {code} = {name}：制图 {mapped} 像元</translation>
        </message>
        <message>
            <source>(none given)</source>
            <translation>（未给出）</translation>
        </message>
        <message>
            <source>&lt;p&gt;Maps a raster with a &lt;b&gt;classifier saved&lt;/b&gt; by &lt;i&gt;Few-shot classify raster&lt;/i&gt;
(its &lt;i&gt;Adapted classifier&lt;/i&gt; output): the next tile, date or mosaic of the same sensor,
without labels and without adapting again.&lt;/p&gt;
&lt;h3&gt;Parameters&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;Raster to classify&lt;/b&gt; (INPUT)&lt;/dt&gt;&lt;dd&gt;A raster with the same bands, in the same
order, as the one the classifier was adapted on. Another band count is refused.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Saved classifier&lt;/b&gt; (CLASSIFIER)&lt;/dt&gt;&lt;dd&gt;The .pt file. It holds tensors and text
only: opening it never runs code.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Region to map&lt;/b&gt; (REGION, optional)&lt;/dt&gt;&lt;dd&gt;Polygons; empty = the whole raster.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Dask scheduler&lt;/b&gt; (SCHEDULER, optional)&lt;/dt&gt;&lt;dd&gt;Empty: this process, tile by tile.
&lt;i&gt;local:N&lt;/i&gt;: N worker processes on this machine. An address (&lt;i&gt;tcp://host:8786&lt;/i&gt;): an
existing Dask cluster; its workers must read the raster, the classifier and the output
folder at the same paths, and have MetaMapper installed. The raster is cut into windows;
a run stopped half-way and started again redoes only the missing windows. Needs
&lt;i&gt;dask[distributed]&lt;/i&gt;.&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;Outputs&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;Class map&lt;/b&gt; (OUTPUT)&lt;/dt&gt;&lt;dd&gt;GeoTIFF, the saved classes' codes, names and
colours, styled when loaded.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Confidence&lt;/b&gt; (OUTPUT_CONFIDENCE, optional)&lt;/dt&gt;&lt;dd&gt;Probability of the chosen
class, 0..1.&lt;/dd&gt;
&lt;/dl&gt;</source>
            <translation>&lt;p&gt;使用&lt;i&gt;小样本栅格分类&lt;/i&gt;&lt;b&gt;保存的分类器&lt;/b&gt;（其&lt;i&gt;适应后的分类器&lt;/i&gt;输出）对栅格制图：适用于同一传感器的下一个图幅、其他日期或镶嵌图，无需标注，也无需重新适应。&lt;/p&gt;
&lt;h3&gt;参数&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;待分类栅格&lt;/b&gt;（INPUT）&lt;/dt&gt;&lt;dd&gt;与适应分类器时所用栅格具有相同波段且波段顺序相同的栅格。波段数不同的栅格将被拒绝。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;已保存的分类器&lt;/b&gt;（CLASSIFIER）&lt;/dt&gt;&lt;dd&gt;.pt 文件。其中只包含张量和文本：打开它绝不会执行代码。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;目标区域&lt;/b&gt;（REGION，可选）&lt;/dt&gt;&lt;dd&gt;多边形；留空 = 整个栅格。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Dask 调度器&lt;/b&gt;（SCHEDULER，可选）&lt;/dt&gt;&lt;dd&gt;留空：在当前进程中逐块处理。&lt;i&gt;local:N&lt;/i&gt;：在本机上使用 N 个工作进程。地址（&lt;i&gt;tcp://host:8786&lt;/i&gt;）：使用已有的 Dask 集群；其工作节点必须能以相同路径读取栅格、分类器和输出文件夹，并已安装 MetaMapper。栅格被切分为若干窗口；运行中途停止后再次运行时，只重新计算缺失的窗口。需要 &lt;i&gt;dask[distributed]&lt;/i&gt;。&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;输出&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;分类图&lt;/b&gt;（OUTPUT）&lt;/dt&gt;&lt;dd&gt;GeoTIFF，使用所保存类别的代码、名称和颜色，加载时自动应用样式。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;置信度&lt;/b&gt;（OUTPUT_CONFIDENCE，可选）&lt;/dt&gt;&lt;dd&gt;所判类别的概率，0..1。&lt;/dd&gt;
&lt;/dl&gt;</translation>
        </message>
        <message>
            <source>Apply a saved classifier</source>
            <translation>应用已保存的分类器</translation>
        </message>
        <message>
            <source>Class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>Classes (comma separated)</source>
            <translation>类别（逗号分隔）</translation>
        </message>
        <message>
            <source>Classifier adapted with model {name} {version}; it holds {kind}.</source>
            <translation>分类器基于模型 {name} {version} 适应得到；文件中保存的是 {kind}。</translation>
        </message>
        <message>
            <source>Classifier file not found: {path}. Choose a .pt file saved by the few-shot classification (its 'Adapted classifier' output).</source>
            <translation>未找到分类器文件：{path}。请选择由小样本分类保存的 .pt 文件（其“适应后的分类器”输出）。</translation>
        </message>
        <message>
            <source>Classifier: {path}; scheduler: {scheduler}</source>
            <translation>分类器：{path}；调度器：{scheduler}</translation>
        </message>
        <message>
            <source>Confidence (0..1)</source>
            <translation>置信度（0..1）</translation>
        </message>
        <message>
            <source>Dask scheduler (empty = this process; local:N = N worker processes; or tcp://host:8786)</source>
            <translation>Dask 调度器（留空 = 当前进程；local:N = N 个工作进程；或 tcp://host:8786）</translation>
        </message>
        <message>
            <source>Dask windows computed</source>
            <translation>已计算的 Dask 窗口数</translation>
        </message>
        <message>
            <source>Dask windows resumed (already done)</source>
            <translation>续用的 Dask 窗口数（此前已完成）</translation>
        </message>
        <message>
            <source>Dask windows: {computed} computed, {skipped} found done by an earlier run</source>
            <translation>Dask 窗口：计算了 {computed} 个，{skipped} 个已由之前的运行完成</translation>
        </message>
        <message>
            <source>Device</source>
            <translation>设备</translation>
        </message>
        <message>
            <source>Maps a raster with a classifier saved by the few-shot classification.</source>
            <translation>使用小样本分类保存的分类器对栅格制图。</translation>
        </message>
        <message>
            <source>Pixels classified</source>
            <translation>已分类像元数</translation>
        </message>
        <message>
            <source>Pixels classified: {n}; device: {device}; {seconds:.2f} s</source>
            <translation>已分类像元数：{n}；设备：{device}；{seconds:.2f} 秒</translation>
        </message>
        <message>
            <source>Raster classification</source>
            <translation>栅格分类</translation>
        </message>
        <message>
            <source>Raster to classify</source>
            <translation>待分类栅格</translation>
        </message>
        <message>
            <source>Region to map (polygons; empty = whole raster)</source>
            <translation>目标区域（多边形；留空 = 整个栅格）</translation>
        </message>
        <message>
            <source>Saved classifier (.pt)</source>
            <translation>已保存的分类器（.pt）</translation>
        </message>
        <message>
            <source>Tile size (pixels)</source>
            <translation>分块大小（像元）</translation>
        </message>
        <message>
            <source>class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>confidence</source>
            <translation>置信度栅格</translation>
        </message>
        <message>
            <source>this process</source>
            <translation>当前进程</translation>
        </message>
    </context>
    <context>
        <name>AssessAccuracyAlgorithm</name>
        <message>
            <source>  {name}: user's {users:.3f}, producer's {producers:.3f}, F1 {f1:.3f}</source>
            <translation>  {name}：用户精度 {users:.3f}，生产者精度 {producers:.3f}，F1 {f1:.3f}</translation>
        </message>
        <message>
            <source>; area-adjusted proportion {proportion:.4f}</source>
            <translation>；面积校正比例 {proportion:.4f}</translation>
        </message>
        <message>
            <source>&lt;p&gt;Assesses a class map against &lt;b&gt;reference data&lt;/b&gt; by good practice (Olofsson et
al. 2014, &lt;i&gt;Good practices for estimating area and assessing accuracy of land change&lt;/i&gt;,
Remote Sensing of Environment 148): the error matrix, overall accuracy, kappa, user's and
producer's accuracy and F1 per class, and, for a probability sample, &lt;b&gt;area-adjusted class
areas&lt;/b&gt; with 95 % confidence intervals and the standard errors of the accuracies.&lt;/p&gt;
&lt;h3&gt;Parameters&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;Class map&lt;/b&gt; (INPUT)&lt;/dt&gt;&lt;dd&gt;The class map (its class names are read from it).&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Validation points or polygons&lt;/b&gt; (VALIDATION)&lt;/dt&gt;&lt;dd&gt;Sample units with the class
you observed, in any CRS. A polygon takes the majority map class of its pixels.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Reference class field&lt;/b&gt; (REFERENCE_FIELD)&lt;/dt&gt;&lt;dd&gt;Text (the map's class names,
any case) or integers (the map's codes). Empty values are skipped and counted.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Design&lt;/b&gt; (DESIGN)&lt;/dt&gt;&lt;dd&gt;0: stratified random by map class (e.g. from &lt;i&gt;Create
validation sample&lt;/i&gt;); 1: simple random or systematic (post-stratified); 2: not a
probability sample: the statistics then describe the sample only, without area estimates
or confidence intervals.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Region&lt;/b&gt; (REGION, optional)&lt;/dt&gt;&lt;dd&gt;The area the sample was drawn in (the same
region as for the sample): the mapped area of each class is counted there.&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;Outputs&lt;/h3&gt;
&lt;p&gt;An HTML report (tables and a plot; opened from the Results Viewer), a CSV with one row
per class, and OVERALL_ACCURACY, OVERALL_ACCURACY_SE, KAPPA, SAMPLE_COUNT and CLASS_COUNT
for models. Areas are given in map units² and, for maps in metres, in hectares.&lt;/p&gt;</source>
            <translation>&lt;p&gt;按照良好实践（Olofsson 等，2014，&lt;i&gt;Good practices for estimating area and assessing accuracy of land change&lt;/i&gt;，Remote Sensing of Environment 148），用&lt;b&gt;参考数据&lt;/b&gt;对分类图进行精度评价：混淆矩阵、总体精度、Kappa 系数、各类别的用户精度、生产者精度和 F1；对于概率样本，还给出带 95% 置信区间的&lt;b&gt;面积校正类别面积&lt;/b&gt;以及各项精度的标准误差。&lt;/p&gt;
&lt;h3&gt;参数&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;分类图&lt;/b&gt;（INPUT）&lt;/dt&gt;&lt;dd&gt;分类图（从中读取其类别名称）。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;验证点或多边形&lt;/b&gt;（VALIDATION）&lt;/dt&gt;&lt;dd&gt;带有您所观察类别的样本单元，坐标参考系不限。多边形取其像元中占多数的制图类别。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;参考类别字段&lt;/b&gt;（REFERENCE_FIELD）&lt;/dt&gt;&lt;dd&gt;文本（分类图的类别名称，不区分大小写）或整数（分类图的代码）。空值将被跳过并计数。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;抽样设计&lt;/b&gt;（DESIGN）&lt;/dt&gt;&lt;dd&gt;0：按制图类别分层随机抽样（例如来自&lt;i&gt;创建验证样本&lt;/i&gt;）；1：简单随机或系统抽样（事后分层）；2：非概率样本：统计结果仅描述该样本，不做面积估计，也不给出置信区间。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;区域&lt;/b&gt;（REGION，可选）&lt;/dt&gt;&lt;dd&gt;抽取样本的区域（与抽样时的区域相同）：在该区域内统计各类别的制图面积。&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;输出&lt;/h3&gt;
&lt;p&gt;一份 HTML 报告（表格和图；可从结果查看器打开），一个每类一行的 CSV，以及供模型使用的 OVERALL_ACCURACY、OVERALL_ACCURACY_SE、KAPPA、SAMPLE_COUNT 和 CLASS_COUNT。面积以地图单位² 给出；对于以米为单位的分类图，还以公顷给出。&lt;/p&gt;</translation>
        </message>
        <message>
            <source>Accuracy report</source>
            <translation>精度评价报告</translation>
        </message>
        <message>
            <source>Accuracy table (CSV)</source>
            <translation>精度表（CSV）</translation>
        </message>
        <message>
            <source>Assess accuracy and area</source>
            <translation>精度与面积评价</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
        <message>
            <source>Cancelled by the user; no report was written.</source>
            <translation>已被用户取消；未写入报告。</translation>
        </message>
        <message>
            <source>Class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>Class map: {layer_name}; validation: {source_name} ({n_features_geometries} feature(s), reference field '{field}'); design: {design}</source>
            <translation>分类图：{layer_name}；验证数据：{source_name}（{n_features_geometries} 个要素，参考字段“{field}”）；抽样设计：{design}</translation>
        </message>
        <message>
            <source>Classes</source>
            <translation>类别数</translation>
        </message>
        <message>
            <source>Counting the mapped pixels of every class…</source>
            <translation>正在统计各类别的制图像元数…</translation>
        </message>
        <message>
            <source>Error matrix, accuracies and area-adjusted class areas with confidence intervals.</source>
            <translation>混淆矩阵、各项精度以及带置信区间的面积校正类别面积。</translation>
        </message>
        <message>
            <source>HTML files (*.html *.htm)</source>
            <translation>HTML 文件 (*.html *.htm)</translation>
        </message>
        <message>
            <source>How the validation sample was selected</source>
            <translation>验证样本的抽样方式</translation>
        </message>
        <message>
            <source>Kappa</source>
            <translation>Kappa 系数</translation>
        </message>
        <message>
            <source>No validation layer was given. Choose a point or polygon layer.</source>
            <translation>未提供验证图层。请选择一个点或多边形图层。</translation>
        </message>
        <message>
            <source>Not a probability sample (hand-picked, training-like): no area estimates</source>
            <translation>非概率样本（人工挑选、类似训练样本）：不做面积估计</translation>
        </message>
        <message>
            <source>Note: {note}</source>
            <translation>注：{note}</translation>
        </message>
        <message>
            <source>Overall accuracy</source>
            <translation>总体精度</translation>
        </message>
        <message>
            <source>Overall accuracy: {a_overall_accuracy:.3f}{se}; kappa {a_kappa:.3f}; {a_sample_size} sample units</source>
            <translation>总体精度：{a_overall_accuracy:.3f}{se}；Kappa 系数 {a_kappa:.3f}；{a_sample_size} 个样本单元</translation>
        </message>
        <message>
            <source>Reference class field (text or integer)</source>
            <translation>参考类别字段（文本或整数）</translation>
        </message>
        <message>
            <source>Region assessed (polygons; empty = the whole map)</source>
            <translation>评价区域（多边形；留空 = 整幅分类图）</translation>
        </message>
        <message>
            <source>Sample units used</source>
            <translation>使用的样本单元数</translation>
        </message>
        <message>
            <source>Simple random or systematic</source>
            <translation>简单随机或系统抽样</translation>
        </message>
        <message>
            <source>Standard error of overall accuracy</source>
            <translation>总体精度的标准误差</translation>
        </message>
        <message>
            <source>Stratified random by map class (e.g. from 'Create validation sample')</source>
            <translation>按制图类别分层随机抽样（例如来自“创建验证样本”）</translation>
        </message>
        <message>
            <source>The region layer has no usable polygon. Select or draw one, or leave the region empty to assess the whole map.</source>
            <translation>研究区图层没有可用的多边形。请选择或绘制一个，或将区域留空以评价整幅分类图。</translation>
        </message>
        <message>
            <source>The report and the CSV are the same file. Give them different names.</source>
            <translation>报告与 CSV 是同一个文件。请为它们指定不同的名称。</translation>
        </message>
        <message>
            <source>Validation points or polygons</source>
            <translation>验证点或多边形</translation>
        </message>
        <message>
            <source>map unit</source>
            <translation>地图单位</translation>
        </message>
        <message>
            <source>region layer</source>
            <translation>研究区图层</translation>
        </message>
        <message>
            <source>validation</source>
            <translation>验证数据</translation>
        </message>
        <message>
            <source>validation layer</source>
            <translation>验证图层</translation>
        </message>
    </context>
    <context>
        <name>AssessmentAlgorithm</name>
        <message>
            <source>(no text or integer field: add one)</source>
            <translation>（没有文本或整数字段：请添加一个）</translation>
        </message>
        <message>
            <source>Accuracy assessment</source>
            <translation>精度评价</translation>
        </message>
        <message>
            <source>No reference field was chosen. Choose the validation layer's field that holds the observed class: {value}.</source>
            <translation>未选择参考字段。请选择验证图层中存储实测类别的字段：{value}。</translation>
        </message>
        <message>
            <source>The class map '{name}' comes from the '{providertype}' provider; MetaMapper reads raster files. Save it as a GeoTIFF (Export &gt; Save As) first.</source>
            <translation>分类图“{name}”来自“{providertype}”数据提供者；MetaMapper 读取栅格文件。请先将其另存为 GeoTIFF（导出 &gt; 另存为）。</translation>
        </message>
        <message>
            <source>The class map '{name}' has no band. Choose a class map.</source>
            <translation>分类图“{name}”没有波段。请选择一幅分类图。</translation>
        </message>
        <message>
            <source>The class map '{name}' has no coordinate reference system (CRS). Assign one (Raster &gt; Projections &gt; Assign Projection) and run again.</source>
            <translation>分类图“{name}”没有坐标参考系（CRS）。请为其指定坐标参考系（栅格 &gt; 投影 &gt; 指定投影），然后重新运行。</translation>
        </message>
        <message>
            <source>The class map could not be opened. Choose the class map raster (the one MetaMapper wrote, or any raster of integer class codes).</source>
            <translation>无法打开分类图。请选择分类图栅格（MetaMapper 写出的分类图，或任何由整数类别代码组成的栅格）。</translation>
        </message>
        <message>
            <source>The reference field '{reference_field}' is not in the validation layer. Choose one of: {value}.</source>
            <translation>验证图层中没有参考字段“{reference_field}”。请从以下字段中选择：{value}。</translation>
        </message>
        <message>
            <source>The reference field '{reference_field}' is of type {typename}, which cannot hold classes. Choose a text or integer field.</source>
            <translation>参考字段“{reference_field}”的类型为 {typename}，不能存储类别。请选择文本或整数字段。</translation>
        </message>
        <message>
            <source>reference field</source>
            <translation>参考字段</translation>
        </message>
        <message>
            <source>the layer has none</source>
            <translation>该图层没有此类字段</translation>
        </message>
    </context>
    <context>
        <name>AssessmentButtons</name>
        <message>
            <source>Assess accuracy…</source>
            <translation>精度评价…</translation>
        </message>
        <message>
            <source>Draw a stratified random sample of points over the class map, to check the map against what you see there (good-practice accuracy assessment)</source>
            <translation>在分类图上抽取分层随机样本点，用您在这些位置看到的实际地物检验分类图（符合良好实践的精度评价）</translation>
        </message>
        <message>
            <source>Error matrix, accuracies and area-adjusted class areas from a validation layer</source>
            <translation>根据验证图层计算混淆矩阵、各项精度和面积校正后的类别面积</translation>
        </message>
        <message>
            <source>Validation sample…</source>
            <translation>验证样本…</translation>
        </message>
    </context>
    <context>
        <name>Checks</name>
        <message>
            <source>The {what} '{name}' has no coordinate reference system (CRS). Set it in Layer Properties &gt; Source (or with 'Assign projection') and run again.</source>
            <translation>{what}“{name}”没有坐标参考系（CRS）。请在“图层属性 &gt; 源”中设置（或使用“指定投影”），然后重新运行。</translation>
        </message>
    </context>
    <context>
        <name>ClassificationRun</name>
        <message>
            <source>, </source>
            <translation>，</translation>
        </message>
        <message>
            <source>Cancelled: nothing was added and no file was left.</source>
            <translation>已取消：未添加任何图层，也未留下任何文件。</translation>
        </message>
        <message>
            <source>Class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>Confidence</source>
            <translation>置信度</translation>
        </message>
        <message>
            <source>Could not load the results: {exc}</source>
            <translation>无法加载结果：{exc}</translation>
        </message>
        <message>
            <source>Mapped {parts}</source>
            <translation>制图完成：{parts}</translation>
        </message>
        <message>
            <source>QGIS cannot open the output {path}</source>
            <translation>QGIS 无法打开输出 {path}</translation>
        </message>
        <message>
            <source>The MetaMapper Processing provider is not loaded. Enable the MetaMapper plugin (Plugins &gt; Manage and Install Plugins) and try again.</source>
            <translation>MetaMapper 处理工具提供者未加载。请启用 MetaMapper 插件（插件 &gt; 管理并安装插件），然后重试。</translation>
        </message>
        <message>
            <source>The classification failed; see Details.</source>
            <translation>分类失败；请查看“详细信息”。</translation>
        </message>
        <message>
            <source>Where to label next</source>
            <translation>下一步标注位置</translation>
        </message>
        <message>
            <source>accuracy not estimated</source>
            <translation>未估计精度</translation>
        </message>
        <message>
            <source>device {device}</source>
            <translation>设备 {device}</translation>
        </message>
        <message>
            <source>estimated accuracy {percent:.0f}%</source>
            <translation>估计精度 {percent:.0f}%</translation>
        </message>
        <message>
            <source>preparation failed</source>
            <translation>准备失败</translation>
        </message>
        <message>
            <source>{n} classes ({classes})</source>
            <translation>{n} 个类别（{classes}）</translation>
        </message>
        <message>
            <source>{pixels:,} pixels</source>
            <translation>{pixels:,} 个像元</translation>
        </message>
        <message>
            <source>{seconds:.1f} s</source>
            <translation>{seconds:.1f} 秒</translation>
        </message>
    </context>
    <context>
        <name>FewShotClassifyAlgorithm</name>
        <message>
            <source>  {code} = {name}: {mapped} px mapped; {found} labelled px found</source>
            <translation>  {code} = {name}：制图 {mapped} 像元；找到已标注像元 {found} 个</translation>
        </message>
        <message>
            <source> ({details})</source>
            <translation>（{details}）</translation>
        </message>
        <message>
            <source> / {used} used</source>
            <translation> / 使用 {used} 个</translation>
        </message>
        <message>
            <source>(no text or integer field: add one)</source>
            <translation>（没有文本或整数字段：请添加一个）</translation>
        </message>
        <message>
            <source>({n} feature(s) had an empty or NULL class.)</source>
            <translation>（{n} 个要素的类别为空或 NULL。）</translation>
        </message>
        <message>
            <source>; </source>
            <translation>；</translation>
        </message>
        <message>
            <source>&lt;p&gt;Classifies a raster from a &lt;b&gt;few labelled points or polygons&lt;/b&gt;: a meta-trained
network (MAML / Meta-SGD / prototypical) adapts to your classes in seconds, then classifies
every pixel of the region, tile by tile, on CPU or GPU.&lt;/p&gt;
&lt;h3&gt;Parameters&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;Raster to classify&lt;/b&gt; (INPUT)&lt;/dt&gt;&lt;dd&gt;Any raster file GDAL reads, any number of
bands, with a CRS.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Training features&lt;/b&gt; (TRAINING)&lt;/dt&gt;&lt;dd&gt;Labelled points and/or polygons, in any CRS
(they are reprojected to the raster's with the project's datum transformations).
"Selected features only" is honoured. Features with an empty or NULL class are skipped and
counted in the log.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Class field&lt;/b&gt; (CLASS_FIELD)&lt;/dt&gt;&lt;dd&gt;The field holding the class: text (class names)
or integer (codes 1..254 are kept as the class map's values; otherwise classes are coded 1..N
in name order). At least two classes are needed.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Region to map&lt;/b&gt; (REGION, optional)&lt;/dt&gt;&lt;dd&gt;Polygons delimiting the area to
classify (all of them or the selected ones). Empty: the whole raster. Pixels outside are
nodata (0).&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Model file&lt;/b&gt; (MODEL, optional)&lt;/dt&gt;&lt;dd&gt;A MetaMapper &lt;i&gt;.pt&lt;/i&gt; model. Empty: the
bundled meta-trained model.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Device&lt;/b&gt; (DEVICE)&lt;/dt&gt;&lt;dd&gt;auto (GPU when available), cpu or cuda.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Random seed&lt;/b&gt; (SEED)&lt;/dt&gt;&lt;dd&gt;The same seed and inputs give the same map.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Maximum labelled pixels per class&lt;/b&gt; (SHOTS_CAP, advanced)&lt;/dt&gt;&lt;dd&gt;Polygons are
sampled down to this many pixels per class (stratified, seeded).&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Adaptation steps&lt;/b&gt; (STEPS, advanced)&lt;/dt&gt;&lt;dd&gt;Inner-loop steps; empty = the model's
own setting.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Tile size&lt;/b&gt; (TILE_SIZE, advanced)&lt;/dt&gt;&lt;dd&gt;Pixels per tile side; smaller tiles use
less memory.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Pixels per inference batch&lt;/b&gt; (BATCH_SIZE, advanced)&lt;/dt&gt;&lt;dd&gt;Smaller values use less
(GPU) memory.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Transductive&lt;/b&gt; (TRANSDUCTIVE, advanced)&lt;/dt&gt;&lt;dd&gt;Also use the region's unlabelled
pixels to refine the class prototypes.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Estimate accuracy&lt;/b&gt; (ESTIMATE_ACCURACY, advanced)&lt;/dt&gt;&lt;dd&gt;Cross-validates over
the labelled features (re-adapting each fold) to estimate the map's accuracy.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Wavelengths&lt;/b&gt; (WAVELENGTHS, advanced)&lt;/dt&gt;&lt;dd&gt;Band centre wavelengths in nm,
one per band (e.g. "482, 561, 655"); helps the model map unusual band sets. Left empty,
they are read from the raster when it carries them (ENVI header, GDAL IMAGERY or band
WAVELENGTH metadata, EnMAP METADATA.XML, PRISMA lists); the log says where from. Bands
flagged bad (ENVI bbl), all nodata or constant are left out, with a log line.&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;Outputs&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;Class map&lt;/b&gt; (OUTPUT)&lt;/dt&gt;&lt;dd&gt;GeoTIFF, one byte per pixel: class codes, 0 = nodata
(outside the region or under the raster's nodata); class names as category names, a colour
table and a .qml style. When loaded it is styled with the training layer's category colours
when it has them.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Confidence&lt;/b&gt; (OUTPUT_CONFIDENCE, optional)&lt;/dt&gt;&lt;dd&gt;GeoTIFF, float 0..1: the
probability of the chosen class; styled with a 0..1 colour ramp.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Where to label next&lt;/b&gt; (OUTPUT_SUGGESTIONS, optional) with
&lt;b&gt;SUGGESTIONS&lt;/b&gt; (how many, default 10, 0 = none)&lt;/dt&gt;&lt;dd&gt;Points where one more label
should improve the map most: places where the model hesitates between two classes over a
whole patch (not a lone noisy pixel), spread out, away from existing labels, on valid pixels
of the region. Fields: rank (1 = most useful), class_1/prob_1 and class_2/prob_2 (the two
classes the model hesitates between, with their probabilities). Drawn as numbered markers.
Label a few of them (e.g. with the panel's pick-on-map tool) and run again.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Adapted classifier&lt;/b&gt; (OUTPUT_MODEL, optional)&lt;/dt&gt;&lt;dd&gt;A .pt file holding the
classifier adapted to your labels (with the band statistics, bands and classes), for
&lt;i&gt;Apply a saved classifier&lt;/i&gt; (metamapper:apply_classifier) to map other rasters and dates
of the same bands without labels. Where label propagation made the map, the file holds the
classifier distilled from it; the log says which.&lt;/dd&gt;
&lt;dt&gt;CLASS_COUNT, SUPPORT_SIZE, ACCURACY_ESTIMATE, SKIPPED_FEATURES, REGION_PIXELS&lt;/dt&gt;
&lt;dd&gt;Numbers for models and scripts: classes, labelled pixels used, estimated accuracy
(0..1, empty when not estimated), skipped training features, pixels classified.&lt;/dd&gt;
&lt;dt&gt;CLASSES, DEVICE_USED, METHOD&lt;/dt&gt;&lt;dd&gt;Class names (comma separated), the device used and
the adaptation method.&lt;/dd&gt;
&lt;/dl&gt;
&lt;p&gt;The log lists the classes with their pixel counts, the device, the method, the times and
the accuracy estimate. Problems (no CRS, no overlap, fewer than two classes, unusable class
field, unwritable output...) stop the run with a message saying how to fix them, and no
output file is left behind.&lt;/p&gt;</source>
            <translation>&lt;p&gt;根据&lt;b&gt;少量已标注的点或多边形&lt;/b&gt;对栅格进行分类：元训练网络（MAML / Meta-SGD / 原型网络）在几秒钟内适应您的类别，然后在 CPU 或 GPU 上逐块对研究区内的每个像元进行分类。&lt;/p&gt;
&lt;h3&gt;参数&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;待分类栅格&lt;/b&gt;（INPUT）&lt;/dt&gt;&lt;dd&gt;GDAL 可读取的任意栅格文件，波段数不限，须具有坐标参考系。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;训练要素&lt;/b&gt;（TRAINING）&lt;/dt&gt;&lt;dd&gt;已标注的点和/或多边形，坐标参考系不限（使用工程的基准面转换重投影到栅格的坐标参考系）。支持“仅选中要素”。类别为空或 NULL 的要素将被跳过，并在日志中计数。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;类别字段&lt;/b&gt;（CLASS_FIELD）&lt;/dt&gt;&lt;dd&gt;存储类别的字段：文本（类别名称）或整数（代码 1..254 将保留为分类图的像元值；否则按名称顺序将类别编码为 1..N）。至少需要两个类别。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;目标区域&lt;/b&gt;（REGION，可选）&lt;/dt&gt;&lt;dd&gt;界定待分类范围的多边形（全部多边形或选中的多边形）。留空：整个栅格。区域外的像元为 NoData（0）。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;模型文件&lt;/b&gt;（MODEL，可选）&lt;/dt&gt;&lt;dd&gt;MetaMapper &lt;i&gt;.pt&lt;/i&gt; 模型。留空：内置的元训练模型。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;设备&lt;/b&gt;（DEVICE）&lt;/dt&gt;&lt;dd&gt;auto（有 GPU 时使用 GPU）、cpu 或 cuda。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;随机种子&lt;/b&gt;（SEED）&lt;/dt&gt;&lt;dd&gt;相同的随机种子和输入得到相同的分类图。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;每类最多使用的已标注像元数&lt;/b&gt;（SHOTS_CAP，高级）&lt;/dt&gt;&lt;dd&gt;多边形内的像元按类别抽样，最多取这么多个（分层抽样，使用随机种子）。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;适应步数&lt;/b&gt;（STEPS，高级）&lt;/dt&gt;&lt;dd&gt;内循环步数；留空 = 使用模型自身的设置。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;分块大小&lt;/b&gt;（TILE_SIZE，高级）&lt;/dt&gt;&lt;dd&gt;每个分块的边长（像元）；分块越小，占用内存越少。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;每个推理批次的像元数&lt;/b&gt;（BATCH_SIZE，高级）&lt;/dt&gt;&lt;dd&gt;数值越小，占用的（GPU）内存越少。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;直推式&lt;/b&gt;（TRANSDUCTIVE，高级）&lt;/dt&gt;&lt;dd&gt;同时利用研究区内的未标注像元来修正类别原型。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;估计精度&lt;/b&gt;（ESTIMATE_ACCURACY，高级）&lt;/dt&gt;&lt;dd&gt;对已标注要素进行交叉验证（每折重新适应），以估计分类图的精度。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;波长&lt;/b&gt;（WAVELENGTHS，高级）&lt;/dt&gt;&lt;dd&gt;各波段的中心波长（nm），每个波段一个（例如“482, 561, 655”）；有助于模型处理不常见的波段组合。留空时，若栅格带有波长信息则从中读取（ENVI 头文件、GDAL IMAGERY 或波段 WAVELENGTH 元数据、EnMAP METADATA.XML、PRISMA 列表）；日志会说明其来源。被标记为坏波段（ENVI bbl）、全部为 NoData 或为常数的波段将被剔除，并在日志中记录。&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;输出&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;分类图&lt;/b&gt;（OUTPUT）&lt;/dt&gt;&lt;dd&gt;GeoTIFF，每像元一个字节：类别代码，0 = NoData（区域之外或栅格 NoData 处）；类别名称作为类别标签，附带颜色表和 .qml 样式。加载时，若训练图层有分类渲染颜色，则使用这些颜色。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;置信度&lt;/b&gt;（OUTPUT_CONFIDENCE，可选）&lt;/dt&gt;&lt;dd&gt;GeoTIFF，浮点 0..1：所判类别的概率；使用 0..1 色带渲染。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;下一步标注位置&lt;/b&gt;（OUTPUT_SUGGESTIONS，可选），配合 &lt;b&gt;SUGGESTIONS&lt;/b&gt;（数量，默认 10，0 = 不建议）&lt;/dt&gt;&lt;dd&gt;再增加一个标注最能改善分类图的点位：模型在整片区域（而非孤立的噪声像元）内难以在两个类别之间作出判断的位置，这些点彼此分散、远离已有标注，并位于研究区的有效像元上。字段：rank（1 = 最有用）、class_1/prob_1 和 class_2/prob_2（模型犹豫的两个类别及其概率）。以带编号的符号显示。标注其中几个（例如使用面板的“在地图上拾取”工具）后再次运行。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;适应后的分类器&lt;/b&gt;（OUTPUT_MODEL，可选）&lt;/dt&gt;&lt;dd&gt;一个 .pt 文件，保存适应您的标注后的分类器（连同波段统计量、波段和类别），供&lt;i&gt;应用已保存的分类器&lt;/i&gt;（metamapper:apply_classifier）在无需标注的情况下对相同波段的其他栅格和其他日期制图。若分类图由标签传播生成，文件中保存的是从中蒸馏得到的分类器；日志会说明是哪一种。&lt;/dd&gt;
&lt;dt&gt;CLASS_COUNT、SUPPORT_SIZE、ACCURACY_ESTIMATE、SKIPPED_FEATURES、REGION_PIXELS&lt;/dt&gt;
&lt;dd&gt;供模型和脚本使用的数值：类别数、使用的已标注像元数、估计精度（0..1，未估计时为空）、跳过的训练要素数、已分类像元数。&lt;/dd&gt;
&lt;dt&gt;CLASSES、DEVICE_USED、METHOD&lt;/dt&gt;&lt;dd&gt;类别名称（逗号分隔）、使用的设备和适应方法。&lt;/dd&gt;
&lt;/dl&gt;
&lt;p&gt;日志列出各类别及其像元数、设备、方法、耗时和精度估计。出现问题（没有坐标参考系、不重叠、类别少于两个、类别字段不可用、输出不可写……）时，运行将停止，并给出修正方法，且不会留下任何输出文件。&lt;/p&gt;</translation>
        </message>
        <message>
            <source>Accuracy: {value}</source>
            <translation>精度：{value}</translation>
        </message>
        <message>
            <source>Adaptation method</source>
            <translation>适应方法</translation>
        </message>
        <message>
            <source>Adaptation steps (empty = the model's own)</source>
            <translation>适应步数（留空 = 使用模型自身设置）</translation>
        </message>
        <message>
            <source>Adapted classifier (to apply to other rasters)</source>
            <translation>适应后的分类器（用于其他栅格）</translation>
        </message>
        <message>
            <source>Band centre wavelengths in nm (comma list, optional)</source>
            <translation>波段中心波长，单位 nm（逗号分隔，可选）</translation>
        </message>
        <message>
            <source>Cancelled before the run started; nothing was written.</source>
            <translation>运行开始前已取消；未写入任何内容。</translation>
        </message>
        <message>
            <source>Cancelled by the user; no output was written.</source>
            <translation>已被用户取消；未写入任何输出。</translation>
        </message>
        <message>
            <source>Cannot create the folder for {path} ({exc_strerror}). Choose a folder you can write to.</source>
            <translation>无法为 {path} 创建文件夹（{exc_strerror}）。请选择一个可写入的文件夹。</translation>
        </message>
        <message>
            <source>Cannot write the {what} to {path}: the folder {folder} is not a writable folder. Choose a folder you can write to.</source>
            <translation>无法将{what}写入 {path}：文件夹 {folder} 不可写。请选择一个可写入的文件夹。</translation>
        </message>
        <message>
            <source>Class colours: taken from the training layer's categorized style</source>
            <translation>类别颜色：取自训练图层的分类渲染样式</translation>
        </message>
        <message>
            <source>Class field (text or integer)</source>
            <translation>类别字段（文本或整数）</translation>
        </message>
        <message>
            <source>Class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>Class map: {result_output_path}</source>
            <translation>分类图：{result_output_path}</translation>
        </message>
        <message>
            <source>Classes (code = name: pixels mapped; labelled pixels found / used):</source>
            <translation>类别（代码 = 名称：制图像元数；找到/使用的已标注像元数）：</translation>
        </message>
        <message>
            <source>Classes (comma separated)</source>
            <translation>类别（逗号分隔）</translation>
        </message>
        <message>
            <source>Classifies a raster from a few labelled points/polygons with a meta-trained model.</source>
            <translation>使用元训练模型，根据少量已标注的点/多边形对栅格进行分类。</translation>
        </message>
        <message>
            <source>Confidence (0..1)</source>
            <translation>置信度（0..1）</translation>
        </message>
        <message>
            <source>Confidence: {result_confidence_path}</source>
            <translation>置信度：{result_confidence_path}</translation>
        </message>
        <message>
            <source>Device</source>
            <translation>设备</translation>
        </message>
        <message>
            <source>Device used</source>
            <translation>使用的设备</translation>
        </message>
        <message>
            <source>Estimate accuracy (cross-validation on the labels)</source>
            <translation>估计精度（基于标注样本的交叉验证）</translation>
        </message>
        <message>
            <source>Estimated accuracy (0..1)</source>
            <translation>估计精度（0..1）</translation>
        </message>
        <message>
            <source>Estimated accuracy: {value:.1f}% ({result_accuracy_method})</source>
            <translation>估计精度：{value:.1f}%（{result_accuracy_method}）</translation>
        </message>
        <message>
            <source>Few-shot classify raster</source>
            <translation>小样本栅格分类</translation>
        </message>
        <message>
            <source>Labelled pixels used</source>
            <translation>使用的已标注像元数</translation>
        </message>
        <message>
            <source>Labelled pixels used (support set): {support}</source>
            <translation>使用的已标注像元（支持集）：{support}</translation>
        </message>
        <message>
            <source>Maximum labelled pixels per class (shots cap)</source>
            <translation>每类最多使用的已标注像元数（样本上限）</translation>
        </message>
        <message>
            <source>MetaMapper classifier (*.pt)</source>
            <translation>MetaMapper 分类器 (*.pt)</translation>
        </message>
        <message>
            <source>MetaMapper model (*.pt)</source>
            <translation>MetaMapper 模型 (*.pt)</translation>
        </message>
        <message>
            <source>Method: {result_method}; device: {result_device}</source>
            <translation>方法：{result_method}；设备：{result_device}</translation>
        </message>
        <message>
            <source>Model file (empty = the bundled meta-trained model)</source>
            <translation>模型文件（留空 = 内置元训练模型）</translation>
        </message>
        <message>
            <source>Model file not found: {model_path}. Choose an existing MetaMapper .pt model file, or leave the model empty to use the bundled one.</source>
            <translation>未找到模型文件：{model_path}。请选择一个已有的 MetaMapper .pt 模型文件，或将模型留空以使用内置模型。</translation>
        </message>
        <message>
            <source>Model: {value}; device requested: {device}; seed {options_seed}</source>
            <translation>模型：{value}；请求的设备：{device}；随机种子 {options_seed}</translation>
        </message>
        <message>
            <source>No class field was chosen. Choose the training layer's field that holds the class (text or integer): {value}.</source>
            <translation>未选择类别字段。请选择训练图层中存储类别的字段（文本或整数）：{value}。</translation>
        </message>
        <message>
            <source>No file name was given for the {what}. Choose a .tif file.</source>
            <translation>未给出{what}的文件名。请选择一个 .tif 文件。</translation>
        </message>
        <message>
            <source>No training layer was given. Choose a point or polygon layer.</source>
            <translation>未提供训练图层。请选择一个点或多边形图层。</translation>
        </message>
        <message>
            <source>No usable training feature{why}. Give labelled points or polygons (if 'Selected features only' is on, select some features first).</source>
            <translation>没有可用的训练要素{why}。请提供已标注的点或多边形（如果勾选了“仅选中要素”，请先选中一些要素）。</translation>
        </message>
        <message>
            <source>Number of classes</source>
            <translation>类别数</translation>
        </message>
        <message>
            <source>Only {n} class found in '{class_field}' ({found}); at least two classes are needed. Label features of at least two different classes.</source>
            <translation>在“{class_field}”中只找到 {n} 个类别（{found}）；至少需要两个类别。请标注至少两个不同类别的要素。</translation>
        </message>
        <message>
            <source>Out of memory. Use a smaller tile size or batch size (advanced parameters) or a smaller region.</source>
            <translation>内存不足。请使用更小的分块大小或批大小（高级参数），或更小的研究区。</translation>
        </message>
        <message>
            <source>Pixels classified</source>
            <translation>已分类像元数</translation>
        </message>
        <message>
            <source>Pixels classified: {result_region_pixels}</source>
            <translation>已分类像元数：{result_region_pixels}</translation>
        </message>
        <message>
            <source>Pixels per inference batch</source>
            <translation>每个推理批次的像元数</translation>
        </message>
        <message>
            <source>Random seed</source>
            <translation>随机种子</translation>
        </message>
        <message>
            <source>Raster classification</source>
            <translation>栅格分类</translation>
        </message>
        <message>
            <source>Raster to classify</source>
            <translation>待分类栅格</translation>
        </message>
        <message>
            <source>Raster: {r_name} ({r_width} x {r_height} px, {r_band_count} band(s), {value})</source>
            <translation>栅格：{r_name}（{r_width} x {r_height} 像元，{r_band_count} 个波段，{value}）</translation>
        </message>
        <message>
            <source>Region to map (polygons; empty = the whole raster)</source>
            <translation>目标区域（多边形；留空 = 整个栅格）</translation>
        </message>
        <message>
            <source>Region: the whole raster</source>
            <translation>研究区：整个栅格</translation>
        </message>
        <message>
            <source>Region: {n_inputs_region_geometries} polygon(s)</source>
            <translation>研究区：{n_inputs_region_geometries} 个多边形</translation>
        </message>
        <message>
            <source>Skipped training features</source>
            <translation>跳过的训练要素数</translation>
        </message>
        <message>
            <source>Skipped {t_empty_geometries} training feature(s) without geometry.</source>
            <translation>已跳过 {t_empty_geometries} 个没有几何的训练要素。</translation>
        </message>
        <message>
            <source>Skipped {t_not_reprojectable} training feature(s) that could not be reprojected to the raster CRS.</source>
            <translation>已跳过 {t_not_reprojectable} 个无法重投影到栅格坐标参考系的训练要素。</translation>
        </message>
        <message>
            <source>Skipped {t_null_labels} training feature(s) with an empty or NULL '{inputs_class_field}'.</source>
            <translation>已跳过 {t_null_labels} 个“{inputs_class_field}”为空或 NULL 的训练要素。</translation>
        </message>
        <message>
            <source>Suggest where to label next: number of places (0 = none)</source>
            <translation>建议下一步标注位置：位置数量（0 = 不建议）</translation>
        </message>
        <message>
            <source>Suggested places to label next: {written}</source>
            <translation>建议的下一步标注位置：{written} 个</translation>
        </message>
        <message>
            <source>The adapted classifier is saved as a .pt file; '{basename}' is not one. Choose a file name ending in .pt.</source>
            <translation>适应后的分类器保存为 .pt 文件；“{basename}”不是 .pt 文件名。请选择以 .pt 结尾的文件名。</translation>
        </message>
        <message>
            <source>The class field '{class_field}' is not in the training layer. Choose one of: {value}.</source>
            <translation>训练图层中没有类别字段“{class_field}”。请从以下字段中选择：{value}。</translation>
        </message>
        <message>
            <source>The class field '{class_field}' is of type {type}, which cannot hold classes. Choose a text or integer field ({usable}), or make one with the Field Calculator.</source>
            <translation>类别字段“{class_field}”的类型为 {type}，不能存储类别。请选择文本或整数字段（{usable}），或用字段计算器新建一个。</translation>
        </message>
        <message>
            <source>The class field '{class_field}' is of type {type}, which cannot hold classes. Choose a text or integer field, or make one with the Field Calculator.</source>
            <translation>类别字段“{class_field}”的类型为 {type}，不能存储类别。请选择文本或整数字段，或用字段计算器新建一个。</translation>
        </message>
        <message>
            <source>The class map and the confidence output are the same file. Give them different file names.</source>
            <translation>分类图与置信度输出是同一个文件。请为它们指定不同的文件名。</translation>
        </message>
        <message>
            <source>The input raster could not be opened. Choose a raster layer or a raster file GDAL can read.</source>
            <translation>无法打开输入栅格。请选择一个栅格图层或 GDAL 可读取的栅格文件。</translation>
        </message>
        <message>
            <source>The raster '{name}' comes from the '{providertype}' provider; MetaMapper reads raster files. Save it as a GeoTIFF (Export &gt; Save As) and classify that file.</source>
            <translation>栅格“{name}”来自“{providertype}”数据提供者；MetaMapper 读取栅格文件。请将其另存为 GeoTIFF（导出 &gt; 另存为），再对该文件进行分类。</translation>
        </message>
        <message>
            <source>The raster '{name}' has no coordinate reference system (CRS). Assign one (Raster &gt; Projections &gt; Assign Projection, or Layer Properties &gt; Source) and run again.</source>
            <translation>栅格“{name}”没有坐标参考系（CRS）。请为其指定坐标参考系（栅格 &gt; 投影 &gt; 指定投影，或“图层属性 &gt; 源”），然后重新运行。</translation>
        </message>
        <message>
            <source>The region does not overlap the raster '{raster_name}' after reprojection from {value} to {authid}. Draw the region over the raster, or fix the layers' CRS if one is wrongly assigned.</source>
            <translation>从 {value} 重投影到 {authid} 后，研究区与栅格“{raster_name}”不重叠。请在栅格上绘制研究区；如果某个图层的坐标参考系设置有误，请加以修正。</translation>
        </message>
        <message>
            <source>The region layer has no usable polygon (is 'Selected features only' on with nothing selected, or are its geometries empty?). Select or draw at least one polygon, or leave the region empty to map the whole raster.</source>
            <translation>研究区图层没有可用的多边形（是否勾选了“仅选中要素”却未选中任何要素，或其几何为空？）。请选择或绘制至少一个多边形，或将研究区留空以对整个栅格制图。</translation>
        </message>
        <message>
            <source>The training features do not overlap the raster '{raster_name}' after reprojection from {value} to {authid}. Digitise them over the raster, or fix the layers' CRS if one is wrongly assigned.</source>
            <translation>从 {value} 重投影到 {authid} 后，训练要素与栅格“{raster_name}”不重叠。请在栅格上数字化训练要素；如果某个图层的坐标参考系设置有误，请加以修正。</translation>
        </message>
        <message>
            <source>The training features do not overlap the raster '{raster_name}': {converted_not_reprojectable} of them could not even be reprojected from {value} to {authid} (they lie far outside the raster's area). Digitise them over the raster, or fix the layers' CRS if one is wrongly assigned.</source>
            <translation>训练要素与栅格“{raster_name}”不重叠：其中 {converted_not_reprojectable} 个甚至无法从 {value} 重投影到 {authid}（它们远在栅格范围之外）。请在栅格上数字化训练要素；如果某个图层的坐标参考系设置有误，请加以修正。</translation>
        </message>
        <message>
            <source>The {what} must be a GeoTIFF; '{basename}' is not a .tif file name. Choose a file name ending in .tif.</source>
            <translation>{what}必须是 GeoTIFF；“{basename}”不是 .tif 文件名。请选择以 .tif 结尾的文件名。</translation>
        </message>
        <message>
            <source>The {what} path {path} is a folder. Give a .tif file name.</source>
            <translation>{what}路径 {path} 是一个文件夹。请给出 .tif 文件名。</translation>
        </message>
        <message>
            <source>The {what} would overwrite the input raster. Choose another file name.</source>
            <translation>{what}将覆盖输入栅格。请选择其他文件名。</translation>
        </message>
        <message>
            <source>Tile size (pixels)</source>
            <translation>分块大小（像元）</translation>
        </message>
        <message>
            <source>Times: {times}; provider total {seconds:.2f} s</source>
            <translation>耗时：{times}；处理工具总计 {seconds:.2f} 秒</translation>
        </message>
        <message>
            <source>Training features (labelled points and/or polygons)</source>
            <translation>训练要素（已标注的点和/或多边形）</translation>
        </message>
        <message>
            <source>Training features skipped: {skipped}</source>
            <translation>跳过的训练要素：{skipped}</translation>
        </message>
        <message>
            <source>Training: {n_t_geometries} feature(s), {n_distinct_labels} classes in '{inputs_class_field}': {items}</source>
            <translation>训练样本：{n_t_geometries} 个要素，“{inputs_class_field}”中有 {n_distinct_labels} 个类别：{items}</translation>
        </message>
        <message>
            <source>Use the region's unlabelled pixels (transductive)</source>
            <translation>利用研究区内的未标注像元（直推式）</translation>
        </message>
        <message>
            <source>Wavelengths '{text}' are not a comma-separated list of numbers (nm), e.g. '482, 561, 655'. Fix the list or leave it empty.</source>
            <translation>波长“{text}”不是逗号分隔的数字列表（nm），例如“482, 561, 655”。请修正列表或将其留空。</translation>
        </message>
        <message>
            <source>Wavelengths must be positive numbers in nanometres.</source>
            <translation>波长必须是以纳米为单位的正数。</translation>
        </message>
        <message>
            <source>Where to label next (suggestions)</source>
            <translation>下一步标注位置（建议）</translation>
        </message>
        <message>
            <source>adapted classifier</source>
            <translation>适应后的分类器</translation>
        </message>
        <message>
            <source>class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>confidence</source>
            <translation>置信度栅格</translation>
        </message>
        <message>
            <source>its CRS</source>
            <translation>其坐标参考系</translation>
        </message>
        <message>
            <source>not estimated</source>
            <translation>未估计</translation>
        </message>
        <message>
            <source>region layer</source>
            <translation>研究区图层</translation>
        </message>
        <message>
            <source>the layer has none</source>
            <translation>该图层没有此类字段</translation>
        </message>
        <message>
            <source>their CRS</source>
            <translation>其坐标参考系</translation>
        </message>
        <message>
            <source>training layer</source>
            <translation>训练图层</translation>
        </message>
        <message>
            <source>{n_values} wavelengths were given but the raster '{raster_name}' has {raster_band_count} band(s). Give one wavelength per band, or leave it empty.</source>
            <translation>提供了 {n_values} 个波长，但栅格“{raster_name}”有 {raster_band_count} 个波段。请为每个波段提供一个波长，或将其留空。</translation>
        </message>
        <message>
            <source>{n} that could not be reprojected</source>
            <translation>{n} 个无法重投影</translation>
        </message>
        <message>
            <source>{n} with an empty or NULL '{class_field}'</source>
            <translation>{n} 个“{class_field}”为空或 NULL</translation>
        </message>
        <message>
            <source>{n} without geometry</source>
            <translation>{n} 个没有几何</translation>
        </message>
    </context>
    <context>
        <name>Geometry</name>
        <message>
            <source>The class field '{class_field}' is not in the training layer.</source>
            <translation>训练图层中没有类别字段“{class_field}”。</translation>
        </message>
        <message>
            <source>The {role} '{field_name}' has an unusable type. Choose a text or integer field.</source>
            <translation>{role}“{field_name}”的类型无法使用。请选择文本或整数字段。</translation>
        </message>
        <message>
            <source>The {role} '{field_name}' holds the decimal number {number} (feature {feature_id}). Classes must be text or whole numbers: choose another field, or round/convert it with the Field Calculator.</source>
            <translation>{role}“{field_name}”中存在小数 {number}（要素 {feature_id}）。类别必须是文本或整数：请选择其他字段，或用字段计算器取整/转换。</translation>
        </message>
        <message>
            <source>class field</source>
            <translation>类别字段</translation>
        </message>
    </context>
    <context>
        <name>InstallDialog</name>
        <message>
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <source>CUDA build of torch (several GB; only with an NVIDIA driver)</source>
            <translation>CUDA 版 torch（数 GB；仅在有 NVIDIA 驱动时）</translation>
        </message>
        <message>
            <source>Cancel install</source>
            <translation>取消安装</translation>
        </message>
        <message>
            <source>Copy log</source>
            <translation>复制日志</translation>
        </message>
        <message>
            <source>Done: MetaMapper can run now (no restart needed).</source>
            <translation>完成：MetaMapper 现在即可运行（无需重启）。</translation>
        </message>
        <message>
            <source>Every package MetaMapper needs is installed.</source>
            <translation>MetaMapper 所需的软件包均已安装。</translation>
        </message>
        <message>
            <source>Folder of wheels</source>
            <translation>wheel 文件夹</translation>
        </message>
        <message>
            <source>Install</source>
            <translation>安装</translation>
        </message>
        <message>
            <source>Install cancelled; nothing was changed.</source>
            <translation>安装已取消；未做任何更改。</translation>
        </message>
        <message>
            <source>MetaMapper: install dependencies</source>
            <translation>MetaMapper：安装依赖</translation>
        </message>
        <message>
            <source>MetaMapper: installing Python packages</source>
            <translation>MetaMapper：正在安装 Python 软件包</translation>
        </message>
        <message>
            <source>Missing: {packages}. They will be installed into {folder} (your QGIS profile: a plugin update keeps them), with QGIS's own Python.</source>
            <translation>缺少：{packages}。将使用 QGIS 自带的 Python 安装到 {folder}（位于您的 QGIS 配置文件中：插件更新后仍会保留）。</translation>
        </message>
        <message>
            <source>Package index</source>
            <translation>软件包索引</translation>
        </message>
        <message>
            <source>offline: a folder of wheels (make wheelhouse)</source>
            <translation>离线：wheel 文件夹（make wheelhouse）</translation>
        </message>
    </context>
    <context>
        <name>MetaMapperPanel</name>
        <message>
            <source> ({empty} without class: skipped)</source>
            <translation>（{empty} 个无类别：已跳过）</translation>
        </message>
        <message>
            <source> — at least 2 classes needed</source>
            <translation> — 至少需要 2 个类别</translation>
        </message>
        <message>
            <source>'Selected features only' is on but nothing is selected in '{name}'. Select features or untick it.</source>
            <translation>已勾选“仅选中要素”，但“{name}”中没有选中任何要素。请选中要素或取消勾选。</translation>
        </message>
        <message>
            <source>Advanced options</source>
            <translation>高级选项</translation>
        </message>
        <message>
            <source>Any raster with a CRS, any number of bands</source>
            <translation>任何具有坐标参考系的栅格，波段数不限</translation>
        </message>
        <message>
            <source>Apply a saved classifier…</source>
            <translation>应用已保存的分类器…</translation>
        </message>
        <message>
            <source>Auto (GPU if available)</source>
            <translation>自动（有 GPU 时使用 GPU）</translation>
        </message>
        <message>
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <source>CUDA (GPU)</source>
            <translation>CUDA（GPU）</translation>
        </message>
        <message>
            <source>CUDA available: {name}. Auto uses it.</source>
            <translation>可用 CUDA：{name}。“自动”将使用它。</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Choose a layer of labelled points or polygons, or pick samples on the map.</source>
            <translation>请选择已标注点或多边形的图层，或在地图上拾取样本。</translation>
        </message>
        <message>
            <source>Choose a polygon layer.</source>
            <translation>请选择一个多边形图层。</translation>
        </message>
        <message>
            <source>Choose the class field of '{name}'.</source>
            <translation>请选择“{name}”的类别字段。</translation>
        </message>
        <message>
            <source>Choose the polygon layer whose selected features are the region, or pick another kind of region.</source>
            <translation>请选择一个多边形图层，以其选中要素作为研究区，或改用其他研究区方式。</translation>
        </message>
        <message>
            <source>Choose the raster to classify (load one into the project first).</source>
            <translation>请选择待分类栅格（先将栅格加载到工程中）。</translation>
        </message>
        <message>
            <source>Class field</source>
            <translation>类别字段</translation>
        </message>
        <message>
            <source>Class map file</source>
            <translation>分类图文件</translation>
        </message>
        <message>
            <source>Class of the samples you click: choose one or type a new one</source>
            <translation>所点击样本的类别：选择已有类别或输入新类别</translation>
        </message>
        <message>
            <source>Click points (or draw small polygons: left clicks, right click to finish) on the map; they go to the 'MetaMapper samples' layer with the class on the left</source>
            <translation>在地图上点击添加点（或绘制小多边形：左键添加顶点，右键结束）；它们将以左侧所选类别存入“MetaMapper 样本”图层</translation>
        </message>
        <message>
            <source>Click the polygon's vertices; right click finishes, Esc cancels.</source>
            <translation>点击多边形的各个顶点；右键结束，Esc 取消。</translation>
        </message>
        <message>
            <source>Current map extent</source>
            <translation>当前地图范围</translation>
        </message>
        <message>
            <source>Details</source>
            <translation>详细信息</translation>
        </message>
        <message>
            <source>Device</source>
            <translation>设备</translation>
        </message>
        <message>
            <source>Drag a rectangle on the map (Esc cancels).</source>
            <translation>在地图上拖出一个矩形（Esc 取消）。</translation>
        </message>
        <message>
            <source>Draw a rectangle or polygon on the map.</source>
            <translation>请在地图上绘制矩形或多边形。</translation>
        </message>
        <message>
            <source>Drawn on the map</source>
            <translation>在地图上绘制</translation>
        </message>
        <message>
            <source>Drawn region ({crs})</source>
            <translation>已绘制的研究区（{crs}）</translation>
        </message>
        <message>
            <source>Drawn region: {area:.2f} km²</source>
            <translation>已绘制的研究区：{area:.2f} km²</translation>
        </message>
        <message>
            <source>Empty: the bundled meta-trained model</source>
            <translation>留空：使用内置的元训练模型</translation>
        </message>
        <message>
            <source>Expand to check for a GPU…</source>
            <translation>展开以检测 GPU…</translation>
        </message>
        <message>
            <source>GeoTIFF (*.tif *.tiff)</source>
            <translation>GeoTIFF (*.tif *.tiff)</translation>
        </message>
        <message>
            <source>Labelled features</source>
            <translation>已标注要素</translation>
        </message>
        <message>
            <source>Layer</source>
            <translation>图层</translation>
        </message>
        <message>
            <source>Left click adds a vertex, right click finishes, Esc cancels</source>
            <translation>左键添加顶点，右键结束，Esc 取消</translation>
        </message>
        <message>
            <source>Map this or another raster of the same bands with a classifier saved by an earlier run (no labels needed; also on a Dask cluster)</source>
            <translation>用之前运行保存的分类器对此栅格或其他相同波段的栅格制图（无需标注；也可在 Dask 集群上运行）</translation>
        </message>
        <message>
            <source>Maximum labelled pixels used per class</source>
            <translation>每个类别最多使用的已标注像元数</translation>
        </message>
        <message>
            <source>MetaMapper classifier (*.pt)</source>
            <translation>MetaMapper 分类器 (*.pt)</translation>
        </message>
        <message>
            <source>MetaMapper model (*.pt)</source>
            <translation>MetaMapper 模型 (*.pt)</translation>
        </message>
        <message>
            <source>MetaMapper region</source>
            <translation>MetaMapper 研究区</translation>
        </message>
        <message>
            <source>MetaMapper: run log</source>
            <translation>MetaMapper：运行日志</translation>
        </message>
        <message>
            <source>Model</source>
            <translation>模型</translation>
        </message>
        <message>
            <source>No CUDA GPU found: Auto runs on the CPU.</source>
            <translation>未找到 CUDA GPU：“自动”将在 CPU 上运行。</translation>
        </message>
        <message>
            <source>No labelled layer: choose one, or pick samples on the map.</source>
            <translation>没有已标注图层：请选择一个，或在地图上拾取样本。</translation>
        </message>
        <message>
            <source>No polygon is selected in '{name}'. Select the polygons to map, or pick another kind of region.</source>
            <translation>“{name}”中没有选中任何多边形。请选中要制图的多边形，或改用其他研究区方式。</translation>
        </message>
        <message>
            <source>No region drawn yet. Press Rectangle or Polygon and draw it on the map, or use the map extent.</source>
            <translation>尚未绘制研究区。请点击“矩形”或“多边形”并在地图上绘制，或使用当前地图范围。</translation>
        </message>
        <message>
            <source>Pick</source>
            <translation>拾取</translation>
        </message>
        <message>
            <source>Pick on map</source>
            <translation>在地图上拾取</translation>
        </message>
        <message>
            <source>Points</source>
            <translation>点</translation>
        </message>
        <message>
            <source>Polygon</source>
            <translation>多边形</translation>
        </message>
        <message>
            <source>Polygons</source>
            <translation>多边形</translation>
        </message>
        <message>
            <source>PyTorch could not be loaded ({error}); only the CPU may work.</source>
            <translation>无法加载 PyTorch（{error}）；可能只能使用 CPU。</translation>
        </message>
        <message>
            <source>PyTorch is not installed: install it to run MetaMapper (see the README).</source>
            <translation>未安装 PyTorch：请安装后再运行 MetaMapper（参见 README）。</translation>
        </message>
        <message>
            <source>Raster</source>
            <translation>栅格</translation>
        </message>
        <message>
            <source>Raster to classify</source>
            <translation>待分类栅格</translation>
        </message>
        <message>
            <source>Rectangle</source>
            <translation>矩形</translation>
        </message>
        <message>
            <source>Region to map</source>
            <translation>目标区域</translation>
        </message>
        <message>
            <source>Run</source>
            <translation>运行</translation>
        </message>
        <message>
            <source>Save classifier</source>
            <translation>保存分类器</translation>
        </message>
        <message>
            <source>Save the adapted classifier to this .pt file, to map other rasters or dates of the same bands with 'Apply a saved classifier…'</source>
            <translation>将适应后的分类器保存到此 .pt 文件，以便用“应用已保存的分类器…”对相同波段的其他栅格或其他日期制图</translation>
        </message>
        <message>
            <source>Seed</source>
            <translation>随机种子</translation>
        </message>
        <message>
            <source>Selected features only</source>
            <translation>仅选中要素</translation>
        </message>
        <message>
            <source>Selected polygons of</source>
            <translation>选中的多边形，来自</translation>
        </message>
        <message>
            <source>Shots cap</source>
            <translation>样本上限</translation>
        </message>
        <message>
            <source>The map extent when you press Run.</source>
            <translation>点击“运行”时的地图范围。</translation>
        </message>
        <message>
            <source>The whole raster (can be slow on large rasters).</source>
            <translation>整个栅格（大栅格可能较慢）。</translation>
        </message>
        <message>
            <source>Type or choose a class name before picking samples.</source>
            <translation>拾取样本前，请先输入或选择类别名称。</translation>
        </message>
        <message>
            <source>Where to label next</source>
            <translation>下一步标注位置</translation>
        </message>
        <message>
            <source>Whole raster</source>
            <translation>整个栅格</translation>
        </message>
        <message>
            <source>[temporary GeoTIFF]</source>
            <translation>[临时 GeoTIFF]</translation>
        </message>
        <message>
            <source>bundled model</source>
            <translation>内置模型</translation>
        </message>
        <message>
            <source>class name</source>
            <translation>类别名称</translation>
        </message>
        <message>
            <source>not saved</source>
            <translation>不保存</translation>
        </message>
        <message>
            <source>{count} feature(s), {n_classes} class(es)</source>
            <translation>{count} 个要素，{n_classes} 个类别</translation>
        </message>
        <message>
            <source>{count} feature(s); choose the class field.</source>
            <translation>{count} 个要素；请选择类别字段。</translation>
        </message>
        <message>
            <source>{count} selected feature(s), {n_classes} class(es)</source>
            <translation>{count} 个选中要素，{n_classes} 个类别</translation>
        </message>
        <message>
            <source>{n} selected polygon(s)</source>
            <translation>已选中 {n} 个多边形</translation>
        </message>
        <message>
            <source>{raster} classes</source>
            <translation>{raster} 分类</translation>
        </message>
        <message>
            <source>{raster} confidence</source>
            <translation>{raster} 置信度</translation>
        </message>
    </context>
    <context>
        <name>MetaMapperPlugin</name>
        <message>
            <source>A Processing provider with id 'metamapper' is already registered (is MetaMapper installed twice?); this copy's algorithms are not added. Remove the duplicate plugin folder and restart QGIS.</source>
            <translation>已注册了 id 为 'metamapper' 的处理工具提供者（MetaMapper 是否安装了两次？）；此副本的算法未被添加。请删除重复的插件文件夹并重启 QGIS。</translation>
        </message>
        <message>
            <source>Install dependencies…</source>
            <translation>安装依赖…</translation>
        </message>
        <message>
            <source>Install the missing packages</source>
            <translation>安装缺少的软件包</translation>
        </message>
        <message>
            <source>MetaMapper: few-shot classify…</source>
            <translation>MetaMapper：小样本分类…</translation>
        </message>
        <message>
            <source>Open the MetaMapper panel: adapt a meta-trained model to a few labelled features and classify a raster region</source>
            <translation>打开 MetaMapper 面板：使元训练模型适应少量已标注要素，并对栅格区域进行分类</translation>
        </message>
        <message>
            <source>The packages are installed: MetaMapper is ready.</source>
            <translation>软件包已安装：MetaMapper 已可使用。</translation>
        </message>
    </context>
    <context>
        <name>MetaMapperProvider</name>
        <message>
            <source>MetaMapper (few-shot raster classification with meta-learning)</source>
            <translation>MetaMapper（基于元学习的小样本栅格分类）</translation>
        </message>
    </context>
    <context>
        <name>SamplesLayer</name>
        <message>
            <source>Could not add the sample to '{layer}'.</source>
            <translation>无法将样本添加到“{layer}”。</translation>
        </message>
        <message>
            <source>MetaMapper samples</source>
            <translation>MetaMapper 样本</translation>
        </message>
        <message>
            <source>MetaMapper samples (polygons)</source>
            <translation>MetaMapper 样本（多边形）</translation>
        </message>
    </context>
    <context>
        <name>SuggestionsBox</name>
        <message>
            <source> or {class_2} {percent:.0f}%</source>
            <translation> 或 {class_2} {percent:.0f}%</translation>
        </message>
        <message>
            <source>&amp;Add label</source>
            <translation>添加标注(&amp;A)</translation>
        </message>
        <message>
            <source>After a run: the places where one more label should improve the map most (the model hesitates there between two classes over a whole patch)</source>
            <translation>运行后：再增加一个标注最能改善分类图的位置（模型在这些位置的整片区域内难以在两个类别之间作出判断）</translation>
        </message>
        <message>
            <source>Arrow keys or click: pan there; Enter or double click: zoom in</source>
            <translation>方向键或单击：平移到该处；回车或双击：放大</translation>
        </message>
        <message>
            <source>Class of the label to add at the selected place</source>
            <translation>在所选位置添加的标注的类别</translation>
        </message>
        <message>
            <source>How many places each run suggests (0 = none)</source>
            <translation>每次运行建议的位置数量（0 = 不建议）</translation>
        </message>
        <message>
            <source>Label as</source>
            <translation>标注为</translation>
        </message>
        <message>
            <source>Labelled as '{name}'. Label more, or Run again.</source>
            <translation>已标注为“{name}”。继续标注，或再次运行。</translation>
        </message>
        <message>
            <source>No suggestion from the last run (switched off, or no valid place left).</source>
            <translation>上次运行没有给出建议（已关闭，或没有剩余的有效位置）。</translation>
        </message>
        <message>
            <source>Run a classification to get suggestions.</source>
            <translation>运行一次分类即可获得建议。</translation>
        </message>
        <message>
            <source>Select a suggestion and a class first.</source>
            <translation>请先选择一个建议位置和一个类别。</translation>
        </message>
        <message>
            <source>Store a labelled point at the selected place (in the 'MetaMapper samples' layer), then Run again</source>
            <translation>在所选位置保存一个已标注点（存入“MetaMapper 样本”图层），然后再次运行</translation>
        </message>
        <message>
            <source>Suggest where to label next</source>
            <translation>建议下一步标注位置</translation>
        </message>
        <message>
            <source>Where to label next</source>
            <translation>下一步标注位置</translation>
        </message>
        <message>
            <source>{n} place(s) to label next: select one, add its label, Run again.</source>
            <translation>{n} 个待标注位置：选择一个，添加其标注，然后再次运行。</translation>
        </message>
        <message>
            <source>{rank}. {class_1} {percent:.0f}%</source>
            <translation>{rank}. {class_1} {percent:.0f}%</translation>
        </message>
    </context>
    <context>
        <name>ValidationSampleAlgorithm</name>
        <message>
            <source>  {names_item} (code {code}): {n_pixels} px, {value:.2f}% -&gt; {value2}</source>
            <translation>  {names_item}（代码 {code}）：{n_pixels} 像元，{value:.2f}% -&gt; {value2}</translation>
        </message>
        <message>
            <source>&lt;p&gt;Draws a &lt;b&gt;stratified random sample&lt;/b&gt; of points over a class map, as good
practice recommends for assessing a map and estimating class areas (Olofsson et al. 2014,
&lt;i&gt;Good practices for estimating area and assessing accuracy of land change&lt;/i&gt;). The strata
are the map's classes; nodata pixels (and pixels outside the region) are never drawn.&lt;/p&gt;
&lt;h3&gt;Parameters&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;Class map&lt;/b&gt; (INPUT)&lt;/dt&gt;&lt;dd&gt;The class map MetaMapper wrote (class names are read
from it), or any raster of integer class codes.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Region&lt;/b&gt; (REGION, optional)&lt;/dt&gt;&lt;dd&gt;Polygons limiting the sampled area. Use the same
region when you assess.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Total sample size&lt;/b&gt; (SAMPLE_SIZE)&lt;/dt&gt;&lt;dd&gt;0 (default): computed from the target
standard error of overall accuracy and the expected user's accuracies (Cochran's formula,
eq. 13 of the paper). Otherwise, the number of points.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Target standard error&lt;/b&gt; (TARGET_SE)&lt;/dt&gt;&lt;dd&gt;Of overall accuracy, e.g. 0.01.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Expected user's accuracy&lt;/b&gt; (EXPECTED_ACCURACY)&lt;/dt&gt;&lt;dd&gt;A number for every class
(0.85), or a default then class=value pairs: &lt;i&gt;0.9, deforestation=0.7&lt;/i&gt;.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Allocation&lt;/b&gt; (ALLOCATION)&lt;/dt&gt;&lt;dd&gt;0 proportional to area, 1 equal, 2 (default)
compromise: every class gets at least MIN_PER_CLASS points (50-100 advised), the rest in
proportion to area.&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;Random seed&lt;/b&gt; (SEED, advanced)&lt;/dt&gt;&lt;dd&gt;Same seed, same sample.&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;Output&lt;/h3&gt;
&lt;p&gt;Points at pixel centres, in the map's CRS, with &lt;i&gt;sample_id&lt;/i&gt;, &lt;i&gt;map_class&lt;/i&gt;,
&lt;i&gt;map_code&lt;/i&gt;, &lt;i&gt;stratum_pixels&lt;/i&gt; and an empty &lt;i&gt;reference_class&lt;/i&gt;: fill it in with
what you observe at each point (photo interpretation, field visit), then run &lt;b&gt;Assess
accuracy and area&lt;/b&gt;. TOTAL, CLASS_COUNT, SIZES and SIZE_METHOD report the design.&lt;/p&gt;
&lt;p&gt;The map is read window by window: any size works in bounded memory.&lt;/p&gt;</source>
            <translation>&lt;p&gt;按照精度评价和类别面积估计的良好实践（Olofsson 等，2014，&lt;i&gt;Good practices for estimating area and assessing accuracy of land change&lt;/i&gt;），在分类图上抽取&lt;b&gt;分层随机样本&lt;/b&gt;点。分层即分类图的各个类别；NoData 像元（以及区域外的像元）不会被抽中。&lt;/p&gt;
&lt;h3&gt;参数&lt;/h3&gt;
&lt;dl&gt;
&lt;dt&gt;&lt;b&gt;分类图&lt;/b&gt;（INPUT）&lt;/dt&gt;&lt;dd&gt;MetaMapper 写出的分类图（从中读取类别名称），或任何由整数类别代码组成的栅格。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;区域&lt;/b&gt;（REGION，可选）&lt;/dt&gt;&lt;dd&gt;限定抽样范围的多边形。进行精度评价时请使用相同的区域。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;总样本量&lt;/b&gt;（SAMPLE_SIZE）&lt;/dt&gt;&lt;dd&gt;0（默认）：根据总体精度的目标标准误差和预期用户精度计算（Cochran 公式，论文中的式 13）。否则为点的数量。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;目标标准误差&lt;/b&gt;（TARGET_SE）&lt;/dt&gt;&lt;dd&gt;总体精度的目标标准误差，例如 0.01。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;预期用户精度&lt;/b&gt;（EXPECTED_ACCURACY）&lt;/dt&gt;&lt;dd&gt;所有类别共用一个数值（0.85），或先写默认值再写“类别=数值”对：&lt;i&gt;0.9, deforestation=0.7&lt;/i&gt;。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;分配方式&lt;/b&gt;（ALLOCATION）&lt;/dt&gt;&lt;dd&gt;0 按面积比例，1 各类相等，2（默认）折中：每个类别至少 MIN_PER_CLASS 个点（建议 50-100），其余按面积比例分配。&lt;/dd&gt;
&lt;dt&gt;&lt;b&gt;随机种子&lt;/b&gt;（SEED，高级）&lt;/dt&gt;&lt;dd&gt;相同的随机种子得到相同的样本。&lt;/dd&gt;
&lt;/dl&gt;
&lt;h3&gt;输出&lt;/h3&gt;
&lt;p&gt;位于像元中心的点，使用分类图的坐标参考系，带有 &lt;i&gt;sample_id&lt;/i&gt;、&lt;i&gt;map_class&lt;/i&gt;、&lt;i&gt;map_code&lt;/i&gt;、&lt;i&gt;stratum_pixels&lt;/i&gt; 字段和一个空的 &lt;i&gt;reference_class&lt;/i&gt; 字段：请填写您在每个点观察到的类别（目视解译、实地调查），然后运行&lt;b&gt;精度与面积评价&lt;/b&gt;。TOTAL、CLASS_COUNT、SIZES 和 SIZE_METHOD 给出抽样设计信息。&lt;/p&gt;
&lt;p&gt;分类图按窗口逐块读取：任意大小的分类图都只占用有限的内存。&lt;/p&gt;</translation>
        </message>
        <message>
            <source>Allocation to classes</source>
            <translation>样本在各类别间的分配</translation>
        </message>
        <message>
            <source>Allocation: {design_allocation}; {drawn} points drawn</source>
            <translation>分配方式：{design_allocation}；已抽取 {drawn} 个点</translation>
        </message>
        <message>
            <source>Cannot create the validation sample layer. Choose a writable output file.</source>
            <translation>无法创建验证样本图层。请选择一个可写入的输出文件。</translation>
        </message>
        <message>
            <source>Class (stratum): mapped pixels, share of the area -&gt; points</source>
            <translation>类别（层）：制图像元数，面积占比 -&gt; 点数</translation>
        </message>
        <message>
            <source>Class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>Classes (strata)</source>
            <translation>类别数（层数）</translation>
        </message>
        <message>
            <source>Compromise: at least the minimum per class, the rest proportional</source>
            <translation>折中：每类至少取最小值，其余按比例分配</translation>
        </message>
        <message>
            <source>Counting the pixels of every class…</source>
            <translation>正在统计各类别的像元数…</translation>
        </message>
        <message>
            <source>Create validation sample (stratified random)</source>
            <translation>创建验证样本（分层随机）</translation>
        </message>
        <message>
            <source>Drawing the sample…</source>
            <translation>正在抽取样本…</translation>
        </message>
        <message>
            <source>Equal per class</source>
            <translation>各类别相等</translation>
        </message>
        <message>
            <source>Expected user's accuracy (e.g. 0.85, or 0.9, water=0.95, urban=0.7)</source>
            <translation>预期用户精度（例如 0.85，或 0.9, water=0.95, urban=0.7）</translation>
        </message>
        <message>
            <source>Fill in '{reference_field}' for every point (what you see there, with the map's class names), then run 'Assess accuracy and area' with this layer.</source>
            <translation>请为每个点填写“{reference_field}”（即您在该处看到的地物，使用分类图的类别名称），然后用此图层运行“精度与面积评价”。</translation>
        </message>
        <message>
            <source>How the size was chosen</source>
            <translation>样本量的确定方式</translation>
        </message>
        <message>
            <source>Minimum points per class (compromise allocation)</source>
            <translation>每类最少点数（折中分配）</translation>
        </message>
        <message>
            <source>Points drawn</source>
            <translation>抽取的点数</translation>
        </message>
        <message>
            <source>Points per class</source>
            <translation>各类别点数</translation>
        </message>
        <message>
            <source>Proportional to class area</source>
            <translation>按类别面积比例</translation>
        </message>
        <message>
            <source>Random seed</source>
            <translation>随机种子</translation>
        </message>
        <message>
            <source>Region (polygons; empty = the whole map)</source>
            <translation>区域（多边形；留空 = 整幅分类图）</translation>
        </message>
        <message>
            <source>Sample size: {design_total_requested} (given)</source>
            <translation>样本量：{design_total_requested}（指定）</translation>
        </message>
        <message>
            <source>Sample size: {design_total_requested}, for a standard error of overall accuracy of {design_target_se} with expected user's accuracies {expected} (Olofsson et al. 2014, eq. 13)</source>
            <translation>样本量：{design_total_requested}，对应总体精度标准误差 {design_target_se}，预期用户精度 {expected}（Olofsson 等，2014，式 13）</translation>
        </message>
        <message>
            <source>Stratified random points over a class map, to check it against reference data.</source>
            <translation>在分类图上抽取分层随机点，用于与参考数据比对检验。</translation>
        </message>
        <message>
            <source>Target standard error of overall accuracy</source>
            <translation>总体精度的目标标准误差</translation>
        </message>
        <message>
            <source>The region layer has no usable polygon (is 'Selected features only' on with nothing selected?). Select or draw a polygon, or leave the region empty to sample the whole map.</source>
            <translation>研究区图层没有可用的多边形（是否勾选了“仅选中要素”却未选中任何要素？）。请选择或绘制一个多边形，或将区域留空以对整幅分类图抽样。</translation>
        </message>
        <message>
            <source>Total sample size (0 = from the target standard error)</source>
            <translation>总样本量（0 = 根据目标标准误差计算）</translation>
        </message>
        <message>
            <source>Validation sample</source>
            <translation>验证样本</translation>
        </message>
        <message>
            <source>region layer</source>
            <translation>研究区图层</translation>
        </message>
    </context>
    <context>
        <name>core</name>
        <message>
            <source>'format' is {format!r}, expected {expected!r}</source>
            <translation>'format' 为 {format!r}，应为 {expected!r}</translation>
        </message>
        <message>
            <source>A class value has the unusable type {name} ({label!r}). Use a text or integer field as the class field.</source>
            <translation>某个类别值的类型 {name}（{label!r}）无法使用。请使用文本或整数字段作为类别字段。</translation>
        </message>
        <message>
            <source>Adapted classifier saved: {kind}.</source>
            <translation>已保存适应后的分类器：{kind}。</translation>
        </message>
        <message>
            <source>Adapting the model to the labelled pixels</source>
            <translation>正在使模型适应已标注像元</translation>
        </message>
        <message>
            <source>Area-adjusted estimates, standard errors and confidence intervals need at least 2 sample units in every map class; too few in: {classes}. The matrix and accuracies below are of the sample counts. Add sample units in those classes (Create validation sample).</source>
            <translation>面积校正估计、标准误差和置信区间要求每个制图类别至少有 2 个样本单元；以下类别样本不足：{classes}。下面的矩阵和精度基于样本计数。请在这些类别中增加样本单元（创建验证样本）。</translation>
        </message>
        <message>
            <source>Assembling {n} windows into the class map</source>
            <translation>正在将 {n} 个窗口拼接为分类图</translation>
        </message>
        <message>
            <source>At least two classes are needed to train a classifier; label features of two or more classes.</source>
            <translation>训练分类器至少需要两个类别；请标注两个或更多类别的要素。</translation>
        </message>
        <message>
            <source>Bad bands dropped: {n_constant} constant in the region (bands {listed}).</source>
            <translation>已剔除坏波段：{n_constant} 个在该区域内为常数（波段 {listed}）。</translation>
        </message>
        <message>
            <source>Bad bands dropped: {n_empty} without any data in the region (bands {listed}).</source>
            <translation>已剔除坏波段：{n_empty} 个在该区域内没有任何数据（波段 {listed}）。</translation>
        </message>
        <message>
            <source>Bad bands dropped: {n_flagged} flagged bad in {info_flagged_bad_source} (bands {listed}).</source>
            <translation>已剔除坏波段：{n_flagged} 个在 {info_flagged_bad_source} 中被标记为坏波段（波段 {listed}）。</translation>
        </message>
        <message>
            <source>Band wavelengths: none in the raster's metadata; bands are taken as evenly spaced (give WAVELENGTHS to place them).</source>
            <translation>波段波长：栅格元数据中没有波长信息；按等间距波段处理（可通过 WAVELENGTHS 参数指定）。</translation>
        </message>
        <message>
            <source>Band wavelengths: the WAVELENGTHS parameter (overrides those in {found}).</source>
            <translation>波段波长：取自 WAVELENGTHS 参数（覆盖 {found} 中的波长）。</translation>
        </message>
        <message>
            <source>Band wavelengths: the WAVELENGTHS parameter.</source>
            <translation>波段波长：取自 WAVELENGTHS 参数。</translation>
        </message>
        <message>
            <source>Band wavelengths: {n} read from {found} ({low:.0f}-{high:.0f} nm).</source>
            <translation>波段波长：从 {found} 读取了 {n} 个（{low:.0f}-{high:.0f} nm）。</translation>
        </message>
        <message>
            <source>Bands have different data types {dtypes}; read as float64.</source>
            <translation>各波段的数据类型不同 {dtypes}；按 float64 读取。</translation>
        </message>
        <message>
            <source>Bands have different nodata values; a pixel is used only where every band holds data.</source>
            <translation>各波段的 NoData 值不同；只使用所有波段都有数据的像元。</translation>
        </message>
        <message>
            <source>CUDA was requested but torch sees no CUDA GPU (CPU-only torch build, or no driver). Choose device 'auto' or 'cpu', or install a CUDA build of torch.</source>
            <translation>请求使用 CUDA，但 torch 未检测到 CUDA GPU（torch 为仅 CPU 版本，或未安装驱动）。请选择设备 'auto' 或 'cpu'，或安装支持 CUDA 的 torch。</translation>
        </message>
        <message>
            <source>Cancelled by the user; no output was written.</source>
            <translation>已被用户取消；未写入任何输出。</translation>
        </message>
        <message>
            <source>Cannot create the class map {path_name} ({exc}).</source>
            <translation>无法创建分类图 {path_name}（{exc}）。</translation>
        </message>
        <message>
            <source>Cannot create the confidence raster {path_name} ({exc}).</source>
            <translation>无法创建置信度栅格 {path_name}（{exc}）。</translation>
        </message>
        <message>
            <source>Cannot move the finished output into place ({exc}). Check the output file is not open in another program and the folder is writable.</source>
            <translation>无法将完成的输出移动到目标位置（{exc}）。请检查输出文件未被其他程序打开，且文件夹可写。</translation>
        </message>
        <message>
            <source>Cannot open {name} as a raster ({exc}). Choose a GDAL-readable raster such as a GeoTIFF.</source>
            <translation>无法将 {name} 作为栅格打开（{exc}）。请选择 GDAL 可读取的栅格，例如 GeoTIFF。</translation>
        </message>
        <message>
            <source>Cannot reach the Dask scheduler at {address} ({error}). Start one (dask scheduler; then dask worker {address} on each machine) or check the address.</source>
            <translation>无法连接位于 {address} 的 Dask 调度器（{error}）。请启动一个调度器（dask scheduler；然后在每台机器上运行 dask worker {address}），或检查地址。</translation>
        </message>
        <message>
            <source>Cannot read model file {path_name}: it is damaged, not a MetaMapper model, or contains objects that are unsafe to load ({name}: {value}). Use a model file written by MetaMapper.</source>
            <translation>无法读取模型文件 {path_name}：文件已损坏、不是 MetaMapper 模型，或包含不安全、无法加载的对象（{name}：{value}）。请使用由 MetaMapper 写出的模型文件。</translation>
        </message>
        <message>
            <source>Cannot write the report ({value}). Choose a folder you can write to.</source>
            <translation>无法写入报告（{value}）。请选择一个可写入的文件夹。</translation>
        </message>
        <message>
            <source>Cannot write to the output folder {folder} ({value}). Choose an output path in a folder you can write to.</source>
            <translation>无法写入输出文件夹 {folder}（{value}）。请选择位于可写文件夹中的输出路径。</translation>
        </message>
        <message>
            <source>Checking inputs</source>
            <translation>正在检查输入</translation>
        </message>
        <message>
            <source>Class {classes} has no usable pixel: its features lie outside the raster, over nodata, or on pixels also labelled with another class. Add features of that class over valid raster data, or remove the class.</source>
            <translation>类别 {classes} 没有可用像元：其要素位于栅格范围之外、NoData 区域，或位于同时被标注为其他类别的像元上。请在有效栅格数据上添加该类别的要素，或删除该类别。</translation>
        </message>
        <message>
            <source>Class(es) {small_list} have fewer pixels than their share: all their pixels are taken.</source>
            <translation>类别 {small_list} 的像元数少于其应分配数量：已取用其全部像元。</translation>
        </message>
        <message>
            <source>Classes {classes} have no usable pixel: their features lie outside the raster, over nodata, or on pixels also labelled with another class. Add features of those classes over valid raster data, or remove them.</source>
            <translation>类别 {classes} 没有可用像元：其要素位于栅格范围之外、NoData 区域，或位于同时被标注为其他类别的像元上。请在有效栅格数据上添加这些类别的要素，或删除这些类别。</translation>
        </message>
        <message>
            <source>Classes {empty} have no support pixels; every class needs at least one labelled pixel inside the raster's valid area.</source>
            <translation>类别 {empty} 没有支持集像元；每个类别在栅格有效区域内至少需要一个已标注像元。</translation>
        </message>
        <message>
            <source>Classifier file not found: {path}. Choose a .pt file saved by MetaMapper's classification (its 'Adapted classifier' output).</source>
            <translation>未找到分类器文件：{path}。请选择由 MetaMapper 分类保存的 .pt 文件（其“适应后的分类器”输出）。</translation>
        </message>
        <message>
            <source>Done</source>
            <translation>完成</translation>
        </message>
        <message>
            <source>Estimating accuracy from the labelled features</source>
            <translation>正在根据已标注要素估计精度</translation>
        </message>
        <message>
            <source>Expected user's accuracy '{part}' is not a number. Write e.g. '0.85', or '0.9, deforestation=0.7' (a default, then class=value pairs).</source>
            <translation>预期用户精度 '{part}' 不是数字。请写成例如 '0.85' 或 '0.9, deforestation=0.7'（先写默认值，再写“类别=数值”对）。</translation>
        </message>
        <message>
            <source>Expected user's accuracy names the class '{strip}', which is not a class of the map ({values_list}). Use the map's class names.</source>
            <translation>预期用户精度中的类别 '{strip}' 不是分类图中的类别（{values_list}）。请使用分类图的类别名称。</translation>
        </message>
        <message>
            <source>Expected user's accuracy {number} is not between 0 and 1. Write e.g. 0.85.</source>
            <translation>预期用户精度 {number} 不在 0 到 1 之间。请写成例如 0.85。</translation>
        </message>
        <message>
            <source>Got {n} support pixels but {y_shape} labels.</source>
            <translation>得到 {n} 个支持集像元，但有 {y_shape} 个标签。</translation>
        </message>
        <message>
            <source>Invalid model card: {problem}. Use a model file written by MetaMapper (the bundled model, or one from its meta-training).</source>
            <translation>模型卡无效：{problem}。请使用由 MetaMapper 写出的模型文件（内置模型，或其元训练得到的模型）。</translation>
        </message>
        <message>
            <source>Its labels were distilled into the classifier, which maps every pixel.</source>
            <translation>其标签已蒸馏到分类器中，由分类器对每个像元制图。</translation>
        </message>
        <message>
            <source>Label propagation over the region: not used (labelled features held out: all right without it, so it cannot do better).</source>
            <translation>区域标签传播：未使用（留出的已标注要素不使用它时已全部正确，它无法做得更好）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: not used (labelled features held out: {cv_p:.0%} right with it, {cv_i:.0%} without).</source>
            <translation>区域标签传播：未使用（留出的已标注要素：使用时正确 {cv_p:.0%}，不使用时 {cv_i:.0%}）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: not used (no valid region pixel to propagate over).</source>
            <translation>区域标签传播：未使用（区域内没有可传播的有效像素）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: not used (the model card maps no band features).</source>
            <translation>区域标签传播：未使用（模型卡未映射波段特征）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: not used (the region, {area:.1f} Mpx, is larger than {limit:.1f} Mpx).</source>
            <translation>区域标签传播：未使用（区域 {area:.1f} 百万像素，大于 {limit:.1f} 百万像素）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: used (labelled features held out: {cv_p:.0%} right with it, {cv_i:.0%} without).</source>
            <translation>区域标签传播：已使用（留出的已标注要素：使用时正确 {cv_p:.0%}，不使用时 {cv_i:.0%}）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: used without a check (no held-out fold keeps every class).</source>
            <translation>区域标签传播：未经检验即使用（没有任何留出折保留全部类别）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: used without a check (switched off in the model card).</source>
            <translation>区域标签传播：未经检验即使用（模型卡中已关闭检验）。</translation>
        </message>
        <message>
            <source>Label propagation over the region: used without a check (too few labelled features to hold any out).</source>
            <translation>区域标签传播：未经检验即使用（已标注要素太少，无法留出检验）。</translation>
        </message>
        <message>
            <source>Matrix products run on an unoptimised BLAS here ({ms:.0f} ms for one that takes under 1 ms on an optimised one): maps are several times slower than they need to be. On Debian or Ubuntu install OpenBLAS (sudo apt install libopenblas0-pthread) and restart QGIS.</source>
            <translation>此处的矩阵乘法使用的是未经优化的 BLAS（优化版不到 1 ms 的运算这里需要 {ms:.0f} ms）：制图速度因此慢了数倍。在 Debian 或 Ubuntu 上请安装 OpenBLAS（sudo apt install libopenblas0-pthread），然后重启 QGIS。</translation>
        </message>
        <message>
            <source>MetaMapper needs these Python packages in QGIS's Python, and they are missing: {packages}.
Install them in one click with Plugins ▸ MetaMapper ▸ Install dependencies… (into your QGIS profile; no restart needed), or from a terminal:
    {command}
(CPU-only torch is enough; a CUDA build of torch is used automatically when present.)</source>
            <translation>MetaMapper 需要 QGIS 的 Python 中的以下软件包，但它们缺失：{packages}。
可通过“插件 ▸ MetaMapper ▸ 安装依赖…”一键安装（安装到您的 QGIS 配置文件中；无需重启），或在终端中运行：
    {command}
（仅 CPU 版 torch 即可；如有 CUDA 版 torch 会自动使用。）</translation>
        </message>
        <message>
            <source>Model file format_version {format_version!r} is not supported by this MetaMapper (it reads version {supported}). Update the plugin, or use a model file made for this version.</source>
            <translation>此版本的 MetaMapper 不支持模型文件的 format_version {format_version!r}（它读取版本 {supported}）。请更新插件，或使用为此版本制作的模型文件。</translation>
        </message>
        <message>
            <source>Model file not found: {path}. Choose an existing MetaMapper .pt model file (or leave the model empty to use the bundled one).</source>
            <translation>未找到模型文件：{path}。请选择一个已有的 MetaMapper .pt 模型文件（或将模型留空以使用内置模型）。</translation>
        </message>
        <message>
            <source>Model file step size {k!r} has shape {v_shape}, expected {params_item_shape}.</source>
            <translation>模型文件中步长 {k!r} 的形状为 {v_shape}，应为 {params_item_shape}。</translation>
        </message>
        <message>
            <source>Model file step size {k!r} is not a float tensor.</source>
            <translation>模型文件中步长 {k!r} 不是浮点张量。</translation>
        </message>
        <message>
            <source>Model file step size {k!r} names no network parameter.</source>
            <translation>模型文件中步长 {k!r} 未对应任何网络参数。</translation>
        </message>
        <message>
            <source>Model file weight {k!r} has shape {shape}, the card's architecture needs {ref_shape}. The file is damaged or its card was edited.</source>
            <translation>模型文件中权重 {k!r} 的形状为 {shape}，而模型卡的网络结构需要 {ref_shape}。文件已损坏或其模型卡被修改过。</translation>
        </message>
        <message>
            <source>Model file weight {k!r} is not finite floating point data.</source>
            <translation>模型文件中权重 {k!r} 不是有限的浮点数据。</translation>
        </message>
        <message>
            <source>Model file weights do not match its card (missing: {missing}, unexpected: {unexpected}). The file is damaged or was written by a different program; re-export it from MetaMapper training.</source>
            <translation>模型文件的权重与其模型卡不匹配（缺少：{missing}，多余：{unexpected}）。文件已损坏或由其他程序写出；请从 MetaMapper 训练中重新导出。</translation>
        </message>
        <message>
            <source>Model file {path_name} does not match the checksum in {sidecar_name}: it is damaged or was replaced. Download or export it again.</source>
            <translation>模型文件 {path_name} 与 {sidecar_name} 中的校验和不一致：文件已损坏或被替换。请重新下载或导出。</translation>
        </message>
        <message>
            <source>Never seen in the reference data: {classes} (their producer's accuracy is undefined).</source>
            <translation>参考数据中从未出现：{classes}（其生产者精度无定义）。</translation>
        </message>
        <message>
            <source>No labelled features were given. Digitise points or polygons over at least two classes and set their class field.</source>
            <translation>未提供已标注要素。请数字化至少两个类别的点或多边形，并填写其类别字段。</translation>
        </message>
        <message>
            <source>No sample for class(es) {empty_list} (proportional allocation of a small total): their accuracy and area cannot be estimated. Use the compromise allocation or a larger sample.</source>
            <translation>类别 {empty_list} 没有样本（总样本量较小时按比例分配所致）：无法估计其精度和面积。请使用折中分配或更大的样本量。</translation>
        </message>
        <message>
            <source>No usable band in {name}: all {b} bands are flagged bad, hold no data or are constant in the region. Choose a region over valid data, or check the raster's bad band list (bbl).</source>
            <translation>{name} 中没有可用波段：全部 {b} 个波段在该区域内均被标记为坏波段、没有数据或为常数。请选择有效数据上的区域，或检查栅格的坏波段列表（bbl）。</translation>
        </message>
        <message>
            <source>None of the validation features with a reference class lies on valid pixels of {where} ({n_outside} outside it, {n_nodata} on nodata). Check that the validation layer covers the map (if it looks right on the canvas, a layer's CRS is wrongly assigned).</source>
            <translation>带有参考类别的验证要素均不在{where}的有效像元上（{n_outside} 个在其范围外，{n_nodata} 个位于 NoData 上）。请检查验证图层是否覆盖分类图（如果在地图画布上看起来正确，则说明某个图层的坐标参考系设置有误）。</translation>
        </message>
        <message>
            <source>None of the {n_in} labelled features has both a class value and a geometry ({skipped_no_label} have an empty/NULL class, {skipped_no_geometry} an empty geometry). Fill the class field of your training features.</source>
            <translation>{n_in} 个已标注要素中没有一个同时具有类别值和几何（{skipped_no_label} 个类别为空/NULL，{skipped_no_geometry} 个几何为空）。请填写训练要素的类别字段。</translation>
        </message>
        <message>
            <source>None of the {n_labelled} labelled features overlaps the raster (raster extent {left:.6g}, {bottom:.6g} : {right:.6g}, {top:.6g} in its CRS). Digitise the features over the raster, or check that features and raster use the right CRS.</source>
            <translation>{n_labelled} 个已标注要素均不与栅格重叠（栅格范围 {left:.6g}, {bottom:.6g} : {right:.6g}, {top:.6g}，使用栅格的坐标参考系）。请在栅格上数字化要素，或检查要素和栅格是否使用了正确的坐标参考系。</translation>
        </message>
        <message>
            <source>Only one class ({names_item!r}) was found among {n_labelled} labelled features; a classifier needs at least two. Label features of at least one more class.</source>
            <translation>在 {n_labelled} 个已标注要素中只找到一个类别（{names_item!r}）；分类器至少需要两个类别。请再标注至少一个其他类别的要素。</translation>
        </message>
        <message>
            <source>Predicted tile {value}/{n_tiles}</source>
            <translation>已预测分块 {value}/{n_tiles}</translation>
        </message>
        <message>
            <source>Predicted window {value}/{total} on the Dask cluster</source>
            <translation>已在 Dask 集群上预测窗口 {value}/{total}</translation>
        </message>
        <message>
            <source>Predicting the region tile by tile</source>
            <translation>正在逐块预测研究区</translation>
        </message>
        <message>
            <source>Propagating the labels over the region</source>
            <translation>正在将标签传播到整个研究区</translation>
        </message>
        <message>
            <source>Raster data type {dtype} is not supported. Convert it with gdal_translate -ot Float32 (or Int16/UInt16) first.</source>
            <translation>不支持栅格数据类型 {dtype}。请先用 gdal_translate -ot Float32（或 Int16/UInt16）进行转换。</translation>
        </message>
        <message>
            <source>Raster data type {dtype} is read as float64 (values are kept exactly except 64-bit integers beyond 2^53).</source>
            <translation>栅格数据类型 {dtype} 按 float64 读取（除超过 2^53 的 64 位整数外，数值保持精确）。</translation>
        </message>
        <message>
            <source>Raster not found: {path}. Choose an existing raster file.</source>
            <translation>未找到栅格：{path}。请选择一个已有的栅格文件。</translation>
        </message>
        <message>
            <source>Raster {name} has complex values ({dtype}), which cannot be classified. Convert it to real bands first (e.g. amplitude and phase with the Raster Calculator, or gdal_translate -ot Float32 for the real part).</source>
            <translation>栅格 {name} 为复数值（{dtype}），无法分类。请先将其转换为实数波段（例如用栅格计算器计算振幅和相位，或用 gdal_translate -ot Float32 取实部）。</translation>
        </message>
        <message>
            <source>Raster {name} has no band. Choose a raster with data.</source>
            <translation>栅格 {name} 没有波段。请选择含有数据的栅格。</translation>
        </message>
        <message>
            <source>Raster {name} has no coordinate reference system, so labelled features cannot be placed on it. Assign its CRS first (Raster &gt; Projections &gt; Assign Projection, or gdal_edit.py -a_srs EPSG:xxxx).</source>
            <translation>栅格 {name} 没有坐标参考系，无法将已标注要素定位到其上。请先为其指定坐标参考系（栅格 &gt; 投影 &gt; 指定投影，或 gdal_edit.py -a_srs EPSG:xxxx）。</translation>
        </message>
        <message>
            <source>Raster {name} has {ds_count} bands; MetaMapper supports at most {max_bands}. Select a subset of bands first (e.g. gdal_translate -b ...).</source>
            <translation>栅格 {name} 有 {ds_count} 个波段；MetaMapper 最多支持 {max_bands} 个。请先选择部分波段（例如 gdal_translate -b ...）。</translation>
        </message>
        <message>
            <source>Raster {name} is not georeferenced (identity transform). Georeference it first (Georeferencer, or gdal_translate -a_ullr).</source>
            <translation>栅格 {name} 未进行地理配准（单位变换）。请先进行地理配准（地理配准工具，或 gdal_translate -a_ullr）。</translation>
        </message>
        <message>
            <source>Reading the pixels of {name} failed ({detail}): the file is damaged or incomplete (an interrupted copy or download?). Check it with gdalinfo -checksum, then copy or export it again.</source>
            <translation>读取 {name} 的像素失败（{detail}）：文件已损坏或不完整（复制或下载被中断？）。请用 gdalinfo -checksum 检查，然后重新复制或导出。</translation>
        </message>
        <message>
            <source>Reference classes in '{field_name}' are not classes of the class map: {shown}{more} (feature counts in brackets). The map's classes are: {classes}. Correct the values (the map's class names or codes), or choose the right field or map.</source>
            <translation>'{field_name}' 中的参考类别不是分类图中的类别：{shown}{more}（括号内为要素数）。分类图的类别为：{classes}。请修正这些值（使用分类图的类别名称或代码），或选择正确的字段或分类图。</translation>
        </message>
        <message>
            <source>Running on a Dask cluster (SCHEDULER) needs dask[distributed], which is not installed in QGIS's Python. Install it with: {command} (or leave SCHEDULER empty to run in this process).</source>
            <translation>在 Dask 集群上运行（SCHEDULER）需要 dask[distributed]，但 QGIS 的 Python 中未安装。请用以下命令安装：{command}（或将 SCHEDULER 留空，在当前进程中运行）。</translation>
        </message>
        <message>
            <source>SCHEDULER '{value}' is not understood. Give local:N with N worker processes (e.g. local:4), a scheduler address (tcp://host:8786), or nothing.</source>
            <translation>无法识别 SCHEDULER 的值“{value}”。请给出 local:N（N 为工作进程数，例如 local:4）、调度器地址（tcp://host:8786），或留空。</translation>
        </message>
        <message>
            <source>Sampling labelled pixels</source>
            <translation>正在采样已标注像元</translation>
        </message>
        <message>
            <source>Simple random or systematic sample: the estimates are post-stratified by map class (Olofsson et al. 2013); their variances treat the sample sizes per class as fixed.</source>
            <translation>简单随机或系统抽样：估计值按制图类别进行事后分层（Olofsson 等，2013）；其方差计算将各类别的样本量视为固定值。</translation>
        </message>
        <message>
            <source>Support features contain NaN/inf; mask nodata pixels first.</source>
            <translation>支持集特征包含 NaN/inf；请先掩膜 NoData 像元。</translation>
        </message>
        <message>
            <source>Support features have shape {x_shape}, the model expects (n, {d}) (plus the standardised bands when its card appends them). Map the bands with the model card's band mapping first.</source>
            <translation>支持集特征的形状为 {x_shape}，模型需要 (n, {d})（若模型卡追加标准化波段，还需加上这些波段）。请先按模型卡的波段映射对波段进行映射。</translation>
        </message>
        <message>
            <source>Support labels must be integers in 0..{value}.</source>
            <translation>支持集标签必须是 0..{value} 之间的整数。</translation>
        </message>
        <message>
            <source>The GPU ran out of memory even with small batches; the rest of the map was predicted on the CPU (slower). Close other GPU programs or use device 'cpu'.</source>
            <translation>即使使用小批次，GPU 显存仍然不足；其余部分已改在 CPU 上预测（较慢）。请关闭其他使用 GPU 的程序，或使用设备 'cpu'。</translation>
        </message>
        <message>
            <source>The card asks for per-parameter step sizes but {absent} are missing from the model file. Re-export it from Meta-SGD training.</source>
            <translation>模型卡要求逐参数步长，但模型文件中缺少 {absent}。请从 Meta-SGD 训练中重新导出。</translation>
        </message>
        <message>
            <source>The class map changed while the sample was drawn. Run again once it is written.</source>
            <translation>抽样过程中分类图发生了变化。请待其写入完成后重新运行。</translation>
        </message>
        <message>
            <source>The class map holds no valid pixel in the chosen area (it is all nodata or the region misses it). Choose the class map's area, or leave the region empty.</source>
            <translation>分类图在所选区域内没有有效像元（全部为 NoData，或区域未覆盖分类图）。请选择分类图所在的区域，或将区域留空。</translation>
        </message>
        <message>
            <source>The class map {name} holds {dtype} values; a class map holds integer class codes. Choose the class map MetaMapper wrote (or convert yours with gdal_translate -ot UInt16).</source>
            <translation>分类图 {name} 存储的是 {dtype} 值；分类图应存储整数类别代码。请选择 MetaMapper 写出的分类图（或用 gdal_translate -ot UInt16 转换）。</translation>
        </message>
        <message>
            <source>The confidence output and the class map have the same path. Give them different file names.</source>
            <translation>置信度输出与分类图路径相同。请为它们指定不同的文件名。</translation>
        </message>
        <message>
            <source>The mapped area of each class is unknown: no area-adjusted estimate.</source>
            <translation>各类别的制图面积未知：无法进行面积校正估计。</translation>
        </message>
        <message>
            <source>The minimum of {min_per_class} per class for {q} classes needs {sum} points, more than the {total} asked: every class gets its minimum ({sum} in all).</source>
            <translation>{q} 个类别每类至少 {min_per_class} 个，共需 {sum} 个点，多于所要求的 {total} 个：每个类别都取其最小值（共 {sum} 个）。</translation>
        </message>
        <message>
            <source>The output path {final} is a folder. Give a file name (.tif).</source>
            <translation>输出路径 {final} 是一个文件夹。请给出文件名（.tif）。</translation>
        </message>
        <message>
            <source>The output path {final} is a folder. Give a file name.</source>
            <translation>输出路径 {final} 是一个文件夹。请给出文件名。</translation>
        </message>
        <message>
            <source>The output {p_name} would overwrite the input raster. Choose another output file name.</source>
            <translation>输出 {p_name} 将覆盖输入栅格。请选择其他输出文件名。</translation>
        </message>
        <message>
            <source>The raster {raster} has {n} bands; the classifier was adapted on {source} with {m} bands. Apply it to a raster with the same {m} bands in the same order (the same sensor and band stack), or adapt a new classifier on this raster.</source>
            <translation>栅格 {raster} 有 {n} 个波段；而该分类器是在具有 {m} 个波段的 {source} 上适应得到的。请将其应用于具有相同 {m} 个波段且顺序相同的栅格（相同的传感器和波段组合），或在此栅格上适应一个新的分类器。</translation>
        </message>
        <message>
            <source>The reference field '{field_name}' is empty in all {n_labels} validation feature(s). Fill in the class you observed at each sample unit (e.g. by photo interpretation), then run again.</source>
            <translation>参考字段 '{field_name}' 在全部 {n_labels} 个验证要素中均为空。请填写在每个样本单元处观察到的类别（例如通过目视解译），然后重新运行。</translation>
        </message>
        <message>
            <source>The region does not overlap the raster (raster extent {left:.6g}, {bottom:.6g} : {right:.6g}, {top:.6g} in its CRS). Draw the region over the raster, or check that region and raster use the right CRS.</source>
            <translation>研究区与栅格不重叠（栅格范围 {left:.6g}, {bottom:.6g} : {right:.6g}, {top:.6g}，使用栅格的坐标参考系）。请在栅格上绘制研究区，或检查研究区和栅格是否使用了正确的坐标参考系。</translation>
        </message>
        <message>
            <source>The region has no usable polygon (it is empty, or not a polygon). Draw or choose a polygon region, or leave the region empty to map the whole raster.</source>
            <translation>研究区没有可用的多边形（为空，或不是多边形）。请绘制或选择多边形研究区，或将研究区留空以对整个栅格制图。</translation>
        </message>
        <message>
            <source>The region holds no valid pixel (it is entirely nodata or masked). Choose a region over valid raster data.</source>
            <translation>研究区内没有有效像元（全部为 NoData 或被掩膜）。请选择位于有效栅格数据上的研究区。</translation>
        </message>
        <message>
            <source>The target standard error of overall accuracy must be between 0 and 0.5 (got {target_se}); 0.01 is usual. Choose a value such as 0.01 or 0.02.</source>
            <translation>总体精度的目标标准误差必须在 0 到 0.5 之间（当前为 {target_se}）；通常取 0.01。请选择 0.01 或 0.02 等值。</translation>
        </message>
        <message>
            <source>The validation layer has no feature (or 'Selected features only' is on with nothing selected). Give the points or polygons you checked.</source>
            <translation>验证图层没有要素（或已勾选“仅选中要素”但未选中任何要素）。请提供您核查过的点或多边形。</translation>
        </message>
        <message>
            <source>The validation sample is not a probability sample, so the error matrix, accuracies and kappa describe these sample units only: they are not estimates for the map, and no area-adjusted estimate or confidence interval can be given. Draw a stratified random sample (Create validation sample) for those.</source>
            <translation>验证样本不是概率样本，因此混淆矩阵、各项精度和 Kappa 系数仅描述这些样本单元：它们不是对整幅分类图的估计，也无法给出面积校正估计或置信区间。如需这些结果，请抽取分层随机样本（创建验证样本）。</translation>
        </message>
        <message>
            <source>There are {n_names} distinct class values; the class map holds at most {max_classes}. Check the class field (an ID field instead of a class field?) or merge classes.</source>
            <translation>共有 {n_names} 个不同的类别值；分类图最多容纳 {max_classes} 个。请检查类别字段（是否误选了 ID 字段？）或合并类别。</translation>
        </message>
        <message>
            <source>This classifier corrects with {band_weight_shape_item} bands; give features with {value} columns.</source>
            <translation>此分类器按 {band_weight_shape_item} 个波段进行校正；请提供 {value} 列的特征。</translation>
        </message>
        <message>
            <source>Unknown allocation '{method}'. Use one of {allocations_list}.</source>
            <translation>未知的分配方式 '{method}'。请使用以下之一：{allocations_list}。</translation>
        </message>
        <message>
            <source>Unknown device {requested!r}. Use 'auto', 'cpu' or 'cuda'.</source>
            <translation>未知设备 {requested!r}。请使用 'auto'、'cpu' 或 'cuda'。</translation>
        </message>
        <message>
            <source>Writing the output failed ({exc}). Free disk space or choose another output folder, then run again.</source>
            <translation>写入输出失败（{exc}）。请释放磁盘空间或选择其他输出文件夹，然后重新运行。</translation>
        </message>
        <message>
            <source>architecture needs integer input_dim, hidden, embedding_dim ({exc})</source>
            <translation>architecture 需要整数的 input_dim、hidden、embedding_dim（{exc}）</translation>
        </message>
        <message>
            <source>architecture sizes must be positive</source>
            <translation>architecture 的尺寸必须为正数</translation>
        </message>
        <message>
            <source>architecture.input_dim {arch_input_dim} does not match the band mapping's {expected} features</source>
            <translation>architecture.input_dim {arch_input_dim} 与波段映射的 {expected} 个特征不匹配</translation>
        </message>
        <message>
            <source>architecture.type must be 'mlp'</source>
            <translation>architecture.type 必须为 'mlp'</translation>
        </message>
        <message>
            <source>band_correction must be an object</source>
            <translation>band_correction 必须是对象</translation>
        </message>
        <message>
            <source>band_correction needs band_mapping.append_bands = true</source>
            <translation>band_correction 需要 band_mapping.append_bands = true</translation>
        </message>
        <message>
            <source>band_correction needs l2 &gt; 0, min_shots &gt;= 1, max_iter &gt;= 1, 0 &lt;= prior_scale &lt;= 10 (one number or a list), combine 'blend' or 'folds'</source>
            <translation>band_correction 需要 l2 &gt; 0、min_shots &gt;= 1、max_iter &gt;= 1、0 &lt;= prior_scale &lt;= 10（一个数或一个列表），combine 为 'blend' 或 'folds'</translation>
        </message>
        <message>
            <source>band_correction values must be numbers ({exc})</source>
            <translation>band_correction 的值必须是数字（{exc}）</translation>
        </message>
        <message>
            <source>band_mapping: {exc}</source>
            <translation>band_mapping：{exc}</translation>
        </message>
        <message>
            <source>inner_loop must be an object</source>
            <translation>inner_loop 必须是对象</translation>
        </message>
        <message>
            <source>inner_loop.adapt must be 'all' or 'head'</source>
            <translation>inner_loop.adapt 必须为 'all' 或 'head'</translation>
        </message>
        <message>
            <source>inner_loop.steps and lr must be &gt;= 0</source>
            <translation>inner_loop.steps 和 lr 必须 &gt;= 0</translation>
        </message>
        <message>
            <source>inner_loop.steps/lr must be numbers ({exc})</source>
            <translation>inner_loop.steps/lr 必须是数字（{exc}）</translation>
        </message>
        <message>
            <source>leave-one-feature-out over {n} features, re-adapting each time</source>
            <translation>对 {n} 个要素进行留一要素交叉验证，每次重新适应</translation>
        </message>
        <message>
            <source>method {card_method!r} is not one of {methods_list}</source>
            <translation>method {card_method!r} 不是 {methods_list} 之一</translation>
        </message>
        <message>
            <source>missing {key!r}</source>
            <translation>缺少 {key!r}</translation>
        </message>
        <message>
            <source>not estimated (switched off)</source>
            <translation>未估计（已关闭）</translation>
        </message>
        <message>
            <source>not estimated: a class has a single labelled feature, so none can be held out for testing; label two or more features per class to get an estimate</source>
            <translation>未估计：某个类别只有一个已标注要素，无法留出用于检验；每个类别标注两个或更多要素即可获得精度估计</translation>
        </message>
        <message>
            <source>not estimated: fewer than two classes</source>
            <translation>未估计：类别少于两个</translation>
        </message>
        <message>
            <source>stratified {k}-fold over {n} features, re-adapting each fold</source>
            <translation>对 {n} 个要素进行分层 {k} 折交叉验证，每折重新适应</translation>
        </message>
        <message>
            <source>the card is not a JSON object</source>
            <translation>模型卡不是 JSON 对象</translation>
        </message>
        <message>
            <source>the class map</source>
            <translation>分类图</translation>
        </message>
        <message>
            <source>the class map's region</source>
            <translation>分类图的研究区</translation>
        </message>
        <message>
            <source>{head_lr_key!r} must be a single number, got {v_shape}.</source>
            <translation>{head_lr_key!r} 必须是单个数字，实际为 {v_shape}。</translation>
        </message>
        <message>
            <source>{n_conflicts} pixel(s) labelled with two different classes were dropped; check overlapping training polygons.</source>
            <translation>已剔除 {n_conflicts} 个被标注为两个不同类别的像元；请检查相互重叠的训练多边形。</translation>
        </message>
        <message>
            <source>{n_nodata} validation feature(s) lie on nodata pixels of the class map and were skipped (feature ids {ids}).</source>
            <translation>{n_nodata} 个验证要素位于分类图的 NoData 像元上，已跳过（要素 ID {ids}）。</translation>
        </message>
        <message>
            <source>{n_outside} validation feature(s) lie outside the class map and were skipped (feature ids {ids}).</source>
            <translation>{n_outside} 个验证要素位于分类图范围之外，已跳过（要素 ID {ids}）。</translation>
        </message>
        <message>
            <source>{n_outside} validation feature(s) lie outside the class map or the region and were skipped (feature ids {ids}).</source>
            <translation>{n_outside} 个验证要素位于分类图或研究区范围之外，已跳过（要素 ID {ids}）。</translation>
        </message>
        <message>
            <source>{n_skipped_null} validation feature(s) have an empty reference class and were skipped; fill them in if they should count.</source>
            <translation>{n_skipped_null} 个验证要素的参考类别为空，已跳过；如需计入，请填写其类别。</translation>
        </message>
        <message>
            <source>{n_wavelengths} wavelengths were given for a raster with {info_count} bands. Give one wavelength (nm) per band, or none.</source>
            <translation>为具有 {info_count} 个波段的栅格提供了 {n_wavelengths} 个波长。请为每个波段提供一个波长（nm），或全部不提供。</translation>
        </message>
        <message>
            <source>{name} is a MetaMapper model, not an adapted classifier. Give it as the model of the classification; apply_classifier needs the file its 'Adapted classifier' output wrote.</source>
            <translation>{name} 是 MetaMapper 模型，而不是适应后的分类器。请将其作为分类的模型使用；apply_classifier 需要的是分类的“适应后的分类器”输出所写出的文件。</translation>
        </message>
        <message>
            <source>{name} is not a usable MetaMapper classifier file ({problem}). Save the classifier again with MetaMapper's classification (its 'Adapted classifier' output).</source>
            <translation>{name} 不是可用的 MetaMapper 分类器文件（{problem}）。请用 MetaMapper 分类重新保存分类器（其“适应后的分类器”输出）。</translation>
        </message>
        <message>
            <source>{name} was written by another MetaMapper version (classifier format {found}; this version reads format {ours}). Save the classifier again with this version, or apply it with the version that wrote it.</source>
            <translation>{name} 由其他版本的 MetaMapper 写出（分类器格式 {found}；此版本读取格式 {ours}）。请用此版本重新保存分类器，或用写出它的版本来应用它。</translation>
        </message>
        <message>
            <source>{path_name} is not a MetaMapper model file (expected keys 'card' and 'state_dict', found {keys}). Use a model file written by MetaMapper.</source>
            <translation>{path_name} 不是 MetaMapper 模型文件（应包含键 'card' 和 'state_dict'，实际为 {keys}）。请使用由 MetaMapper 写出的模型文件。</translation>
        </message>
        <message>
            <source>{path_name}: 'card' must be JSON text and 'state_dict' a dict.</source>
            <translation>{path_name}：'card' 必须是 JSON 文本，'state_dict' 必须是字典。</translation>
        </message>
        <message>
            <source>{path_name}: the model card is not valid JSON ({exc}).</source>
            <translation>{path_name}：模型卡不是有效的 JSON（{exc}）。</translation>
        </message>
        <message>
            <source>{skipped_no_geometry} feature(s) with an empty geometry were skipped.</source>
            <translation>已跳过 {skipped_no_geometry} 个几何为空的要素。</translation>
        </message>
        <message>
            <source>{skipped_no_label} feature(s) with an empty/NULL class were skipped.</source>
            <translation>已跳过 {skipped_no_label} 个类别为空/NULL 的要素。</translation>
        </message>
        <message>
            <source>{skipped_outside_raster} feature(s) outside the raster were skipped.</source>
            <translation>已跳过 {skipped_outside_raster} 个位于栅格范围之外的要素。</translation>
        </message>
        <message>
            <source>{support_y_size} support pixels in {support_n_classes} classes</source>
            <translation>{support_n_classes} 个类别中共 {support_y_size} 个支持集像元</translation>
        </message>
    </context>
</TS>
