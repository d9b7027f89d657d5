document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows),asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].innerText,y=b.cells[i].dataset.v||b.cells[i].innerText;
        var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');return asc?c:-c;});
      th.dataset.asc=asc?'1':'0';rows.forEach(function(r){t.tBodies[0].appendChild(r);});
    });
  });
});
// Year pickers and other selects that apply at once.
document.querySelectorAll('select[data-autosubmit]').forEach(function(sel){
  sel.addEventListener('change',function(){sel.form.submit();});
});
// The import page: upload the chosen file and show the report.
var up=document.getElementById('upload');
if(up){up.addEventListener('submit',function(e){e.preventDefault();
  var f=document.getElementById('file').files[0];if(!f)return;var out=document.getElementById('report');out.hidden=false;out.textContent='导入中……';
  fetch('/imports/upload?filename='+encodeURIComponent(f.name),{method:'POST',body:f,headers:{'X-CSRF-Token':up.dataset.csrf}})
  .then(function(r){return r.json();}).then(function(j){out.textContent=j.text||j.error;}).catch(function(err){out.textContent='上传失败：'+err;});});}
